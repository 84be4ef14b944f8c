package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/hybrid"

	"github.com/spf13/pflag"
)

// TestRecoverThenMigrate runs a ceremony, recovers it into fresh tokens
// from three of five shares, then migrates the recovered key to
// ML-DSA-87. Every directory gives each token a SoftHSM instance of its
// own, so the three coexist in one process.
func TestRecoverThenMigrate(t *testing.T) {
	if _, err := os.Stat("/usr/lib/softhsm/libsofthsm2.so"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("SoftHSM missing")
	}
	tmp := t.TempDir()
	old, rec, next := filepath.Join(tmp, "old"), filepath.Join(tmp, "recovered"), filepath.Join(tmp, "next")
	var res struct {
		KeyID      string   `json:"key_id"`
		ShareFiles []string `json:"share_files"`
		Recovered  string   `json:"recovered"`
		Transition string   `json:"transition_file"`
		FromKeyID  string   `json:"from_key_id"`
		Suite      string   `json:"suite"`
	}
	runJSON := func(args ...string) {
		t.Helper()
		out, err := run(t, append(args, "--json")...)
		if err != nil {
			t.Fatalf("%s: %v", args[0], err)
		}
		res.Recovered, res.Transition = "", ""
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%s: stdout is not JSON: %v\n%s", args[0], err, out)
		}
	}

	runJSON("ceremony", "init", "--dir", old, "--tokens", "2", "--instances")
	origID, shares := res.KeyID, res.ShareFiles
	pub, err := os.ReadFile(filepath.Join(old, "keys", "high-side.pub"))
	if err != nil {
		t.Fatal(err)
	}

	// Duplicate shares are refused and leave nothing behind.
	if _, err := run(t, "ceremony", "recover", "--dir", rec, "--from", old, "--instances",
		"--shares", strings.Join([]string{shares[0], shares[0], shares[3]}, ",")); err == nil ||
		!strings.Contains(err.Error(), "given twice") {
		t.Fatalf("duplicate shares: got %v, want a refusal", err)
	}
	if _, err := os.Stat(rec); err == nil {
		t.Fatal("a refused recovery created its directory")
	}

	// Flags keep their values between runs in one process; a slice flag
	// would append to the refused run's shares.
	recoverCmd, _, _ := root.Find([]string{"ceremony", "recover"})
	recoverCmd.Flags().Lookup("shares").Value.(pflag.SliceValue).Replace(nil)
	runJSON("ceremony", "recover", "--dir", rec, "--from", old, "--tokens", "2", "--instances",
		"--shares", strings.Join([]string{shares[3], shares[0], shares[4]}, ","))
	if res.KeyID != origID || res.Recovered == "" {
		t.Errorf("recovered key %s at %q, want %s and a time", res.KeyID, res.Recovered, origID)
	}
	if got, _ := os.ReadFile(filepath.Join(rec, "keys", "high-side.pub")); string(got) != string(pub) {
		t.Error("recovered directory publishes another key file")
	}
	out, err := run(t, "keys", "show", "--dir", rec, "--json=false", "--no-tokens=false")
	if err != nil || strings.Count(out, " UP ") != 2 {
		t.Errorf("keys show on the recovered directory = %q, %v; want 2 tokens UP", out, err)
	}

	runJSON("migrate", "--dir", rec, "--new-dir", next, "--tokens", "2", "--instances", "--effective-size", "100")
	if res.FromKeyID != origID || res.Suite != string(hybrid.SuiteMLDSA87P384) {
		t.Errorf("migrated from %s to suite %s, want from %s to %s", res.FromKeyID, res.Suite, origID, hybrid.SuiteMLDSA87P384)
	}
	b, err := os.ReadFile(res.Transition)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := hybrid.OpenTransition(b)
	if err != nil {
		t.Fatalf("transition: %v", err)
	}
	_, oldPub, _ := hybrid.ParsePublicKeyText(pub)
	if !tr.From.Key.Equal(oldPub) || tr.Effective != 100 || tr.Reason != "migration to "+string(hybrid.SuiteMLDSA87P384) {
		t.Errorf("transition from the published key: %v, effective %d, reason %q; want true, 100, the default",
			tr.From.Key.Equal(oldPub), tr.Effective, tr.Reason)
	}
}
