package main

import (
	"crypto/rand"
	"testing"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

// signedBatch returns a real signed batch of two items, the second
// hash-only, starting at ledger index 0.
func signedBatch(t *testing.T) []byte {
	t.Helper()
	signer, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := checkpoint.HybridKey("test-ledger", string(hybrid.SuiteMLDSA65P256), signer.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	order := reporttest.Order("o-1", reporttest.At(reporttest.Day1, 9, 30), reporttest.Accept())
	hidden := merkle.LeafHash([]byte("withheld entry"))
	var tree merkle.Compact
	tree.Append(merkle.LeafHash(order))
	tree.Append(hidden)
	note, err := checkpoint.Sign(checkpoint.Checkpoint{
		Origin: checkpoint.OriginFor("test"), Size: 2, Root: tree.Root()}, key, signer)
	if err != nil {
		t.Fatal(err)
	}
	b := &batch.Batch{Link: "test", Seq: 1, First: 0, Checkpoint: note,
		Items: []batch.Item{{Entry: order}, {Hash: hidden}}}
	raw, err := b.Sign(signer)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseBatch(t *testing.T) {
	got, err := parseBatch(signedBatch(t))
	if err != nil {
		t.Fatalf("parseBatch: %v", err)
	}
	if got.Seq != 1 || got.First != 0 || len(got.Items) != 2 {
		t.Fatalf("got seq %d first %d items %d, want 1, 0, 2", got.Seq, got.First, len(got.Items))
	}
	if got.Items[0].Entry == nil || got.Items[1].Entry != nil {
		t.Errorf("items: entry %v then %v, want an entry then hash-only", got.Items[0].Entry != nil, got.Items[1].Entry != nil)
	}
	b := report.NewBuilder()
	if err := b.Add(got); err != nil {
		t.Fatalf("report from a signed batch: %v", err)
	}
	d, _ := b.Report(reporttest.Day1)
	if d.Entries != 2 || d.Withheld != 1 || d.Checkpoint == nil || d.Checkpoint.Size != 2 {
		t.Errorf("report: %d entries, %d withheld, checkpoint %+v; want 2, 1, size 2", d.Entries, d.Withheld, d.Checkpoint)
	}
}

func TestParseBatchRejectsGarbage(t *testing.T) {
	raw := signedBatch(t)
	for _, in := range [][]byte{nil, []byte("not a batch"), raw[:len(raw)/2]} {
		if _, err := parseBatch(in); err == nil {
			t.Errorf("parseBatch(%d bytes) succeeded, want an error", len(in))
		}
	}
}

func TestCheckListen(t *testing.T) {
	withLogin := loginOptions{users: "users.toml", tlsCert: "c.pem", tlsKey: "k.pem"}
	tests := []struct {
		addr  string
		login loginOptions
		ok    bool
	}{
		{"127.0.0.1:8443", loginOptions{}, true}, {"[::1]:8443", loginOptions{}, true},
		{"localhost:1", loginOptions{}, true},
		{"0.0.0.0:8443", loginOptions{}, false}, {"10.0.0.1:80", loginOptions{}, false},
		{":8443", loginOptions{}, false}, {"nonsense", loginOptions{}, false},
		{"0.0.0.0:8443", loginOptions{users: "users.toml"}, false},
		{"0.0.0.0:8443", loginOptions{tlsCert: "c.pem", tlsKey: "k.pem"}, false},
		{"0.0.0.0:8443", withLogin, true},
		{"127.0.0.1:8443", loginOptions{tlsCert: "c.pem"}, false},
	}
	for _, tt := range tests {
		err := checkListen(options{listen: tt.addr, login: tt.login})
		if (err == nil) != tt.ok {
			t.Errorf("checkListen(%q, %+v) = %v, want ok=%v", tt.addr, tt.login, err, tt.ok)
		}
	}
}
