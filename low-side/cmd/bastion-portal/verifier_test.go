package main

import (
	"os"
	"path/filepath"
	"testing"

	"bastion/guard/guardtest"
)

func TestCheckpointVerifier(t *testing.T) {
	hs, other := guardtest.New(t, "link-1"), guardtest.New(t, "link-1")
	hs.Append(t, guardtest.Order(t, 1, guardtest.Releasable))
	key := filepath.Join(t.TempDir(), "high-side.pub")
	os.WriteFile(key, hs.KeyText(), 0o644)

	check, err := checkpointVerifier(key, nil)
	if err != nil || check == nil {
		t.Fatalf("checkpointVerifier(%s): verifier %v, err %v; want a verifier", key, check != nil, err)
	}
	if err := check(hs.Note(t, 1)); err != nil {
		t.Errorf("genuine checkpoint: %v, want nil", err)
	}
	if err := check(other.Note(t, 0)); err == nil {
		t.Error("checkpoint of another key verified, want an error")
	}

	tests := []struct {
		name        string
		key         string
		transitions []string
		wantErr     bool
	}{
		{"no key", "", nil, false},
		{"transition without key", "", []string{key}, true},
		{"unreadable key", filepath.Join(t.TempDir(), "nope"), nil, true},
		{"not a key", key + ".x", nil, true},
	}
	os.WriteFile(key+".x", []byte("not a key\n"), 0o644)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkpointVerifier(tt.key, tt.transitions)
			if (err != nil) != tt.wantErr || got != nil {
				t.Fatalf("got %v, %v; want no verifier and error %v", got != nil, err, tt.wantErr)
			}
		})
	}
}
