package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/high-side/monitor"
)

// TestCreateFile: a new file gets the mode asked for, and an existing
// file is refused with its bytes and mode untouched.
func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.json")
	if err := createFile("--out", path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file: %v, mode %v; want mode 0600", err, fi.Mode().Perm())
	}

	loose := filepath.Join(dir, "loose.json")
	if err := os.WriteFile(loose, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := createFile("--out", loose, []byte("lost"), 0o600)
	if want := "--out " + loose + " already exists; refusing to overwrite it"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	got, _ := os.ReadFile(loose)
	fi, _ := os.Stat(loose)
	if string(got) != "kept" || fi.Mode().Perm() != 0o644 {
		t.Errorf("refused file holds %q with mode %v, want %q with mode 0644", got, fi.Mode().Perm(), "kept")
	}
}

// TestRulesOutputsNeverOverwrite is the trial's finding: "rules sign
// --out" naming the key or the pack itself is refused and both survive,
// and keygen refuses to replace either of its files.
func TestRulesOutputsNeverOverwrite(t *testing.T) {
	resetFlags(t)
	dir := t.TempDir()
	if _, err := run(t, "rules", "keygen", "--out", dir); err != nil {
		t.Fatalf("keygen: %v", err)
	}
	key, pub := filepath.Join(dir, "rulepack.key"), filepath.Join(dir, "rulepack.pub")
	pack := filepath.Join(dir, "pack.toml")
	if err := os.WriteFile(pack, monitor.DefaultPackTOML(), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range []string{key, pub, pack} {
		files[f], _ = os.ReadFile(f)
	}
	unchanged := func(step string) {
		t.Helper()
		for f, want := range files {
			if got, err := os.ReadFile(f); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %s changed (%v)", step, f, err)
			}
		}
	}

	for _, out := range []string{key, pack} {
		resetFlags(t)
		_, err := run(t, "rules", "sign", "--key", key, "--out", out, pack)
		if want := "--out " + out + " already exists"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("sign --out %s: got %v, want %q", out, err, want)
		}
		unchanged("sign --out " + filepath.Base(out))
	}

	// A second keygen refuses the key; with only the published key left
	// it refuses that and leaves no key behind.
	resetFlags(t)
	_, err := run(t, "rules", "keygen", "--out", dir)
	if err == nil || !strings.Contains(err.Error(), "rule-pack key "+key+" already exists") {
		t.Errorf("keygen over a key: got %v, want a refusal naming %s", err, key)
	}
	unchanged("keygen over a key")
	os.Remove(key)
	delete(files, key)
	_, err = run(t, "rules", "keygen", "--out", dir)
	if err == nil || !strings.Contains(err.Error(), "published key "+pub+" already exists") {
		t.Errorf("keygen over a published key: got %v, want a refusal naming %s", err, pub)
	}
	if _, err := os.Stat(key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused keygen left %s behind (%v)", key, err)
	}
	unchanged("keygen over a published key")
}
