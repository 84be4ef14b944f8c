package verify_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
)

// node is a high-side node's cosigning key.
type node struct {
	key  checkpoint.CosignerKey
	priv ed25519.PrivateKey
}

func newNode(t *testing.T, name string) node {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return node{checkpoint.CosignerKey{Name: name, Public: pub}, priv}
}

// cosigned returns note cosigned by each of nodes.
func cosigned(t *testing.T, note []byte, nodes ...node) []byte {
	t.Helper()
	for _, n := range nodes {
		var err error
		if note, err = checkpoint.Cosign(note, n.key.Name, n.priv, time.Unix(1_700_000_000, 0)); err != nil {
			t.Fatal(err)
		}
	}
	return note
}

// ringFor returns the ring of hs's key demanding required cosignatures of
// nodes.
func ringFor(t *testing.T, hs *guardtest.HighSide, required int, nodes ...node) *verify.KeyRing {
	t.Helper()
	key, err := verify.ParseKey(hs.KeyText())
	if err != nil {
		t.Fatal(err)
	}
	ring := key.Ring()
	q := checkpoint.Quorum{Required: required}
	for _, n := range nodes {
		q.Keys = append(q.Keys, n.key)
	}
	ring.RequireCosigners(q)
	return ring
}

// changeLine applies change to the key id and signature bytes on the
// signature line of name in note.
func changeLine(t *testing.T, note []byte, name string, change func(raw []byte)) []byte {
	t.Helper()
	prefix := []byte("\u2014 " + name + " ")
	i := bytes.Index(note, prefix) + len(prefix)
	j := i + bytes.IndexByte(note[i:], '\n')
	raw, err := base64.StdEncoding.DecodeString(string(note[i:j]))
	if err != nil {
		t.Fatal(err)
	}
	change(raw)
	return slices.Concat(note[:i], []byte(base64.StdEncoding.EncodeToString(raw)), note[j:])
}

func TestOpenCosigned(t *testing.T) {
	hs := guardtest.New(t, "link-1")
	hs.Append(t, guardtest.Order(t, 1, guardtest.Releasable))
	n1, n2, n3 := newNode(t, "node-1"), newNode(t, "node-2"), newNode(t, "node-3")
	good := cosigned(t, hs.Note(t, 1), n2, n3)
	badSig := changeLine(t, good, "node-2", func(raw []byte) { raw[len(raw)-1] ^= 0x01 })
	badID := changeLine(t, good, "node-2", func(raw []byte) { binary.BigEndian.PutUint32(raw, 7) })
	tests := []struct {
		name     string
		note     []byte
		required int
		nodes    []node
		signed   []string
		err      error
		detail   string
	}{
		{"quorum reached", good, 2, []node{n2, n3}, []string{"node-2", "node-3"}, nil, ""},
		{"no quorum names the missing node", good, 2, []node{n1, n2}, nil, checkpoint.ErrNoQuorum,
			"1 of 2 required (verified: node-2; no cosignature by node-1)"},
		{"none verified", good, 1, []node{n1}, nil, checkpoint.ErrNoQuorum,
			"0 of 1 required (verified: none; no cosignature by node-1)"},
		{"signature flipped names the node", badSig, 1, []node{n2, n3}, nil, checkpoint.ErrBadSignature,
			"cosignature by node-2+"},
		{"key id changed under a trusted name", badID, 1, []node{n2, n3}, nil,
			checkpoint.ErrBadSignature, "cosignature line of node-2 has key id 00000007, the cosigner key given is node-2+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ring := ringFor(t, hs, tt.required, tt.nodes...)
			cp, signed, err := ring.OpenCosigned(tt.note)
			if !errors.Is(err, tt.err) || tt.err != nil && !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("OpenCosigned error = %v, want %v with %q", err, tt.err, tt.detail)
			}
			if tt.err == nil && (cp.Size != 1 || !slices.Equal(signed, tt.signed)) {
				t.Fatalf("OpenCosigned = size %d, signed %v; want size 1, signed %v", cp.Size, signed, tt.signed)
			}
		})
	}
}

func TestUncheckedSigners(t *testing.T) {
	hs := guardtest.New(t, "link-1")
	n2, n3 := newNode(t, "node-2"), newNode(t, "node-3")
	note := cosigned(t, hs.Note(t, 0), n2, n3)
	if got, want := ringFor(t, hs, 0).UncheckedSigners(note), []string{"node-2", "node-3"}; !slices.Equal(got, want) {
		t.Errorf("without cosigner keys: unchecked %v, want %v", got, want)
	}
	if got, want := ringFor(t, hs, 1, n3).UncheckedSigners(note), []string{"node-2"}; !slices.Equal(got, want) {
		t.Errorf("with node-3's key: unchecked %v, want %v", got, want)
	}
}

// TestWrongCosignerGrouped checks an archive whose checkpoints lack the
// cosignature of the key given: one line for every batch, with the
// batches and the count of checkpoints, naming the node; one problem.
func TestWrongCosignerGrouped(t *testing.T) {
	dir, hs := fixture(t, false)
	rep, err := verify.ArchiveRing(dir, ringFor(t, hs, 1, newNode(t, "node-9")), batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	detail := "3 checkpoints lack the quorum of 1 cosignature by the keys given (node-9); the first, of size 3: " +
		"0 of 1 required (verified: none; no cosignature by node-9)"
	want := verify.Problem{Kind: verify.KindQuorum, Seq: 1, LastSeq: 3, Index: -1, Detail: detail}
	if len(rep.Problems) != 1 || rep.Problems[0] != want {
		t.Fatalf("problems %v\nwant only %v", rep.Problems, want)
	}
	if got, want := rep.Problems[0].String(), "cosign_quorum: batches 1 to 3: "+detail; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if rep.Cosigners != "1 of node-9" {
		t.Errorf("report cosigners %q, want %q", rep.Cosigners, "1 of node-9")
	}
	var out bytes.Buffer
	rep.WriteText(&out)
	if w := "verdict   FAILED: 1 problem\n"; !strings.Contains(out.String(), w) {
		t.Errorf("report lacks %q:\n%s", w, out.String())
	}
}
