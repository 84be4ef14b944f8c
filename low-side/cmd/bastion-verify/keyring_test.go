package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/hybrid"
)

// transitionFile writes a statement handing hs's key over to a fresh
// ML-DSA-87 key at ledger size effective; with forge, the new key's
// signature is the old key's.
func transitionFile(t *testing.T, hs *guardtest.HighSide, effective uint64, forge bool) string {
	t.Helper()
	next, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA87P384, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &hybrid.Transition{
		From:      hybrid.NamedKey{Name: guardtest.KeyName, Key: hs.Signer.Public()},
		To:        hybrid.NamedKey{Name: guardtest.KeyName, Key: next.Public()},
		Effective: effective, Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Reason: "drill",
	}
	b, err := hybrid.SignTransition(tr, hs.Signer, next)
	if err != nil {
		t.Fatal(err)
	}
	if forge {
		tr.ToSignature = tr.FromSignature
		b, _ = tr.Marshal()
	}
	p := filepath.Join(t.TempDir(), "high-side.transition")
	os.WriteFile(p, b, 0o644)
	return p
}

func TestArchiveWithTransition(t *testing.T) {
	tmp := t.TempDir()
	hs := guardtest.New(t, "link-1")
	hs.Append(t, guardtest.Order(t, 1, guardtest.Releasable))
	seq, raw := hs.Next(t)
	d, err := export.Create(filepath.Join(tmp, "export"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := batch.Parse(raw, batch.Limits{})
	head := export.ChainHead{Records: 1, Seq: 1, Size: 1, Root: hs.Root(t, 1),
		Chain: export.NextChain(export.GenesisChain(), seq, raw, b.Checkpoint)}
	if err := d.Publish([]export.Published{{File: export.File{Seq: seq}, Data: raw}}, b.Checkpoint, head); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(tmp, "high-side.pub")
	os.WriteFile(key, hs.KeyText(), 0o644)

	tests := []struct {
		name string
		tr   string
		want int
		out  string
	}{
		{"old key up to the transition", transitionFile(t, hs, 1, false), verify.ExitOK, "(sizes 0-1)"},
		{"old key after the transition", transitionFile(t, hs, 0, false), verify.ExitMismatch, "valid for sizes 0 to 0"},
		{"forged transition", transitionFile(t, hs, 1, true), verify.ExitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			got := run([]string{"archive", d.Root(), "--key", key, "--transition", tt.tr}, &out, &errOut)
			if got != tt.want || !strings.Contains(out.String(), tt.out) {
				t.Fatalf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", got, tt.want, tt.out, out.String(), errOut.String())
			}
		})
	}
}
