package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"

	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
	"bastion/shared/disclosure"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

// disclosureFiles writes a disclosure of a one-entry ledger, the key that
// signed it and another key, and returns their paths.
func disclosureFiles(t *testing.T) (file, key, otherKey string) {
	t.Helper()
	dir := t.TempDir()
	s, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	other, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	op, acct := entry.NewOpening(entry.FieldAccount, "ACCT-77")
	body, _ := entry.NewBody(entry.Order{OrderID: "o-1", Event: entry.OrderExecute, Symbol: "MSFT",
		Side: entry.Sell, Quantity: 5, Price: decimal.RequireFromString("30.5"), Trader: "T2",
		Account: acct, Source: "fix"})
	raw, err := (&entry.Envelope{Version: entry.Version, Type: entry.TypeOrder, ID: "o-1", Time: 1e18,
		Actor: "T2", Label: entry.NewLabel(entry.Confidential), Body: body}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	nk, _ := checkpoint.HybridKey("high-side", string(s.Public().Suite()), s.Public().Bytes())
	origin := checkpoint.OriginFor("link-1")
	note, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: origin, Size: 1, Root: merkle.LeafHash(raw)}, nk, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := disclosure.Sign(&disclosure.Disclosure{Version: disclosure.Version, Origin: origin,
		Field: op.Field, Value: op.Value, Salt: op.Salt, Entry: raw, Proof: []merkle.Hash{},
		Checkpoint: string(note), Issuer: "compliance-1", Issued: 2e18}, s)
	if err != nil {
		t.Fatal(err)
	}
	file, key, otherKey = filepath.Join(dir, "d.json"), filepath.Join(dir, "hs.pub"), filepath.Join(dir, "o.pub")
	write(t, file, b)
	write(t, key, hybrid.MarshalPublicKeyText("high-side", s.Public()))
	write(t, otherKey, hybrid.MarshalPublicKeyText("high-side", other.Public()))
	return file, key, otherKey
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDisclosureCommand(t *testing.T) {
	file, key, otherKey := disclosureFiles(t)
	good, _ := os.ReadFile(file)
	tampered := filepath.Join(t.TempDir(), "t.json")
	write(t, tampered, bytes.Replace(good, []byte(`"value":"ACCT-77"`), []byte(`"value":"ACCT-78"`), 1))
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"genuine", []string{"disclosure", file, "--key", key}, verify.ExitOK},
		{"tampered value", []string{"disclosure", tampered, "--key", key}, verify.ExitMismatch},
		{"other key", []string{"disclosure", file, "--key", otherKey}, verify.ExitMismatch},
		{"no key flag", []string{"disclosure", file}, verify.ExitUsage},
		{"unreadable key", []string{"disclosure", file, "--key", file}, verify.ExitUsage},
		{"missing file", []string{"disclosure", file + ".gone", "--key", key}, verify.ExitIO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, &out, &errOut); code != tt.code {
				t.Fatalf("got exit %d, want %d; stdout %s stderr %s", code, tt.code, &out, &errOut)
			}
		})
	}
}

func TestDisclosureCommandJSON(t *testing.T) {
	file, key, _ := disclosureFiles(t)
	var out, errOut bytes.Buffer
	if code := run([]string{"disclosure", file, "--key", key, "--json"}, &out, &errOut); code != verify.ExitOK {
		t.Fatalf("got exit %d, want 0: %s", code, &errOut)
	}
	var r disclosureResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Value != "ACCT-77" || r.EntryID != "o-1" || r.TreeSize != 1 || r.Field != "account" {
		t.Fatalf("got %+v, want ok, ACCT-77, o-1, size 1, account", r)
	}
}
