package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"bastion/guard/export"
)

// maxPublishedKey bounds the size of a published key file read for the
// comparison; real ones are a few kilobytes.
const maxPublishedKey = 64 << 10

// publishedKeyNotes compares the keys an export publishes (keys/*.pub)
// with the ring the auditor gave. The archive is always verified with the
// given keys, never with the published copies, so a difference is a note
// rather than a problem: it tells the auditor that the export carries a
// key that is not the one they trust, which may be tampering or a stale
// copy.
func publishedKeyNotes(dir string, ring *KeyRing) []string {
	entries, err := os.ReadDir(filepath.Join(dir, export.KeysDir))
	if err != nil {
		return nil
	}
	var notes []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".pub") {
			continue
		}
		path := filepath.Join(export.KeysDir, name)
		text, err := readSmall(filepath.Join(dir, path))
		if err != nil {
			notes = append(notes, fmt.Sprintf("published key %s not read: %v", path, err))
			continue
		}
		k, err := ParseKey(text)
		if err != nil {
			notes = append(notes, fmt.Sprintf("published key %s is not a key file: %v", path, err))
			continue
		}
		if n := ring.match(k); n != "" {
			notes = append(notes, fmt.Sprintf("published key %s (%s) %s; the archive was verified with the key given", path, k.Name, n))
		}
	}
	return notes
}

// match says how k differs from the ring's keys of its name: "" when one
// of them is k.
func (r *KeyRing) match(k *Key) string {
	named := false
	for _, e := range r.epochs {
		if e.Key.Name != k.Name {
			continue
		}
		named = true
		if e.Key.Public.Equal(k.Public) {
			return ""
		}
	}
	if named {
		return "differs from the key given under that name"
	}
	return "names no key given"
}

// readSmall reads a regular file of at most maxPublishedKey bytes.
func readSmall(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("not a regular file")
	case fi.Size() > maxPublishedKey:
		return nil, fmt.Errorf("%d bytes, more than a key file", fi.Size())
	}
	return os.ReadFile(path)
}
