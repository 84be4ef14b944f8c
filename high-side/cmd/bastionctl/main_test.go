package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// TestCeremonyInitAndKeysShow runs the ceremony once (SoftHSM reads its
// configuration once per process) and inspects the result.
func TestCeremonyInitAndKeysShow(t *testing.T) {
	if _, err := os.Stat("/usr/lib/softhsm/libsofthsm2.so"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("SoftHSM missing")
	}
	dir := filepath.Join(t.TempDir(), "c")
	out, err := run(t, "ceremony", "init", "--dir", dir, "--tokens", "2", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		KeyID   string   `json:"key_id"`
		Tokens  []string `json:"tokens"`
		Serials []string `json:"token_serials"`
		KEK     string   `json:"kek_check_value"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(res.Tokens) != 2 || len(res.Serials) != 2 || len(res.KeyID) != 64 {
		t.Errorf("got %d tokens, %d serials and key id %q, want 2, 2 and 64 hex digits",
			len(res.Tokens), len(res.Serials), res.KeyID)
	}

	out, err = run(t, "keys", "show", "--dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "high-side MLDSA65-ECDSA-P256-SHA512 " + res.KeyID; !strings.HasPrefix(out, want) {
		t.Errorf("keys show = %q, want prefix %q", out, want)
	}
	for i, l := range res.Tokens {
		want := "\ntoken " + l + " UP serial=" + res.Serials[i] + " kek_check_value=" + res.KEK + "\n"
		if !strings.Contains(out, want) {
			t.Errorf("keys show = %q, want a line %q", out, strings.TrimSpace(want))
		}
	}
	out, err = run(t, "keys", "show", "--dir", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Keys []struct {
			KeyID string `json:"key_id"`
		} `json:"keys"`
		Tokens []struct{ Label, State string } `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("keys show --json: %v\n%s", err, out)
	}
	if len(shown.Keys) != 1 || shown.Keys[0].KeyID != res.KeyID || len(shown.Tokens) != 2 || shown.Tokens[1].State != "UP" {
		t.Errorf("keys show --json = %+v, want 1 key %s and 2 tokens UP", shown, res.KeyID)
	}
	if out, err = run(t, "keys", "show", "--dir", dir, "--no-tokens"); err != nil || strings.Contains(out, "token ") {
		t.Errorf("keys show --no-tokens = %q, %v; want keys only", out, err)
	}

	if _, err := run(t, "ceremony", "init", "--dir", dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second init: got %v, want refusal", err)
	}
	if _, err := run(t, "keys", "show", "--dir", t.TempDir()); err == nil {
		t.Error("keys show on an empty dir: got nil error")
	}
}
