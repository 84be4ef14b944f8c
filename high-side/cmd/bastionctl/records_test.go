package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"bastion/high-side/node"
	"bastion/high-side/node/peertls"
	"bastion/shared/checkpoint"
	"bastion/shared/disclosure"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

func TestRecordsSchedule(t *testing.T) {
	out, err := run(t, "records", "schedule")
	if err != nil || !strings.Contains(out, "order-ticket order/new,modify,cancel,route order-ticket 3y\n") {
		t.Fatalf("got %q, %v; want the order-ticket rule", out, err)
	}
	bad := filepath.Join(t.TempDir(), "s.toml")
	os.WriteFile(bad, []byte("[classes.a]\nretain = \"soon\"\n"), 0o600)
	if _, err := run(t, "records", "schedule", bad); err == nil || !strings.Contains(err.Error(), "classes.a.retain") {
		t.Fatalf("got %v, want an error naming classes.a.retain", err)
	}
}

// signedDisclosure returns a genuine signed disclosure of a one-entry
// ledger.
func signedDisclosure(t *testing.T) []byte {
	t.Helper()
	s, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	op, acct := entry.NewOpening(entry.FieldAccount, "ACCT-5")
	body, _ := entry.NewBody(entry.Order{OrderID: "o", Event: entry.OrderNew, Symbol: "A", Side: entry.Buy,
		Quantity: 1, Price: decimal.RequireFromString("1"), Trader: "t", Account: acct, Source: "api"})
	raw, err := (&entry.Envelope{Version: entry.Version, Type: entry.TypeOrder, ID: "o", Time: 1, Actor: "t",
		Label: entry.NewLabel(entry.Internal), Body: body}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	nk, _ := checkpoint.HybridKey("high-side", string(s.Public().Suite()), s.Public().Bytes())
	note, _ := checkpoint.Sign(checkpoint.Checkpoint{Origin: checkpoint.OriginFor("l"), Size: 1, Root: merkle.LeafHash(raw)}, nk, s)
	b, err := disclosure.Sign(&disclosure.Disclosure{Version: 1, Origin: checkpoint.OriginFor("l"), Field: op.Field,
		Value: op.Value, Salt: op.Salt, Entry: raw, Proof: []merkle.Hash{}, Checkpoint: string(note),
		Issuer: "cco", Issued: 1}, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDisclose(t *testing.T) {
	pki := t.TempDir()
	if err := node.GeneratePKI(pki, []string{"node-1"}, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := peertls.IssueClientCert(pki, "cco"); err != nil {
		t.Fatal(err)
	}
	tc, err := peertls.GatewayServerConfig(filepath.Join(pki, peertls.CACertFile),
		filepath.Join(pki, peertls.NodeCertFile("node-1")), filepath.Join(pki, peertls.NodeKeyFile("node-1")))
	if err != nil {
		t.Fatal(err)
	}
	want := signedDisclosure(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/v1/disclosures" || r.Method != "POST":
			http.NotFound(w, r)
		case len(r.TLS.PeerCertificates) == 0 || r.TLS.PeerCertificates[0].Subject.CommonName != "cco":
			http.Error(w, `{"error":"who?"}`, http.StatusForbidden)
		default:
			w.Write(want)
		}
	}))
	srv.TLS = tc
	srv.StartTLS()
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "d.json")
	if _, err := run(t, "disclose", "--gateway", srv.URL, "--pki", pki, "--as", "cco",
		"--index", "0", "--field", "account", "--out", out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if string(got) != string(want) {
		t.Fatalf("wrote %d bytes, want the %d bytes the gateway sent", len(got), len(want))
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("disclosure file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}

	// An existing file is never replaced, nor its looser mode kept for a
	// disclosure.
	loose := filepath.Join(t.TempDir(), "loose.json")
	os.WriteFile(loose, []byte("kept"), 0o644)
	_, err = run(t, "disclose", "--gateway", srv.URL, "--pki", pki, "--as", "cco",
		"--index", "0", "--field", "account", "--out", loose)
	if got, _ := os.ReadFile(loose); err == nil || !strings.Contains(err.Error(), "--out "+loose+" already exists") ||
		string(got) != "kept" {
		t.Fatalf("disclose over an existing file: got %v and the file holds %q; want a refusal and %q", err, got, "kept")
	}
	_, err = run(t, "disclose", "--gateway", srv.URL+"/nowhere", "--pki", pki, "--as", "cco",
		"--index", "0", "--field", "account", "--out", out)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("got %v, want the gateway's 404", err)
	}
}
