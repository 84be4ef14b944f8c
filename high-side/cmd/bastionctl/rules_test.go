package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/high-side/monitor"
)

func TestRulesKeygenSignVerify(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, "rules", "keygen", "--out", dir, "--name", "desk-rules"); err != nil {
		t.Fatalf("keygen: %v", err)
	}
	key, pub := filepath.Join(dir, "desk-rules.key"), filepath.Join(dir, "desk-rules.pub")
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v, want 0600", err, fi.Mode().Perm())
	}
	pack := filepath.Join(dir, "pack.toml")
	body := strings.Replace(string(monitor.DefaultPackTOML()), `"builtin-2025.1"`, `"desk-2025.3"`, 1)
	if err := os.WriteFile(pack, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "pack.signed")
	if _, err := run(t, "rules", "sign", "--key", key, "--out", signed, pack); err != nil {
		t.Fatalf("sign: %v", err)
	}
	out, err := run(t, "rules", "verify", "--pub", pub, signed)
	if err != nil || strings.TrimSpace(out) != "desk-2025.3" {
		t.Errorf("verify: got %q, %v, want desk-2025.3", out, err)
	}

	// Refusals: a key others can read, an invalid pack, a tampered file.
	os.Chmod(key, 0o644)
	if _, err := run(t, "rules", "sign", "--key", key, pack); err == nil || !strings.Contains(err.Error(), "want 0600") {
		t.Errorf("sign with a 0644 key: got %v, want a mode error", err)
	}
	os.Chmod(key, 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(body+"\n[[custom]]\nid = \"x\"\napplies_to = \"order\"\nexpr = \"order.qty\"\naction = \"review\"\nreason = \"ORDER_SIZE\"\n"), 0o644)
	if _, err := run(t, "rules", "sign", "--key", key, bad); err == nil || !strings.Contains(err.Error(), "want bool") {
		t.Errorf("sign an invalid pack: got %v, want the type error", err)
	}
	b, _ := os.ReadFile(signed)
	os.WriteFile(signed, []byte(strings.Replace(string(b), "max_orders = 200_000", "max_orders = 900_000", 1)), 0o644)
	if _, err := run(t, "rules", "verify", "--pub", pub, signed); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("verify a tampered pack: got %v, want a signature error", err)
	}
}
