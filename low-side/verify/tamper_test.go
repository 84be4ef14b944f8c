package verify_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/tiles"
)

// updateTamper rewrites the shipped fixtures under testdata/tamper:
//
//	go test ./low-side/verify -run TestTamperFixtures -update-tamper
//
// Each fixture is a clean three-batch export (fixture) with one fault put
// in the same place every time; signatures are fresh on every run, so
// the bytes change but the faults do not.
var updateTamper = flag.Bool("update-tamper", false, "rewrite testdata/tamper from a fresh export")

// tamperDir holds the shipped fixtures: <name>/export and <name>/high-side.pub.
const tamperDir = "testdata/tamper"

// tamper is one fixture: a fault and the problem kind that names it.
type tamper struct {
	name  string
	fault func(t *testing.T, dir string, hs, other *guardtest.HighSide) []byte // key text, nil: genuine
	want  verify.Kind
}

var tampers = []tamper{
	{"entry-bit", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		flip(t, export.BatchPath(dir, 2), []byte(`"qty":111`), 8, 0x02)
		return nil
	}, verify.KindModified},
	{"tile-bit", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		flip(t, export.TilePath(dir, tiles.Tile{Level: 0, Index: 0, Width: 10}), nil, 40, 0x01)
		return nil
	}, verify.KindTile},
	{"tiles-deleted", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		if err := os.RemoveAll(filepath.Join(dir, export.TileDir)); err != nil {
			t.Fatal(err)
		}
		return nil
	}, verify.KindTileMissing},
	{"checkpoint-bit", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		flip(t, filepath.Join(dir, export.CheckpointFile), []byte("\n10\n"), 5, 0x01)
		return nil
	}, verify.KindCheckpoint},
	{"missing-batch", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		os.Remove(export.BatchPath(dir, 2))
		return nil
	}, verify.KindMissing},
	{"truncated-batch", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		rewrite(t, export.BatchPath(dir, 3), func(b []byte) []byte { return b[:len(b)/2] })
		return nil
	}, verify.KindTruncated},
	{"reordered", func(t *testing.T, dir string, _, _ *guardtest.HighSide) []byte {
		two, _ := os.ReadFile(export.BatchPath(dir, 2))
		three, _ := os.ReadFile(export.BatchPath(dir, 3))
		rewrite(t, export.BatchPath(dir, 2), func([]byte) []byte { return three })
		rewrite(t, export.BatchPath(dir, 3), func([]byte) []byte { return two })
		return nil
	}, verify.KindOrder},
	{"fork", func(t *testing.T, dir string, hs, _ *guardtest.HighSide) []byte {
		rewrite(t, filepath.Join(dir, export.CheckpointFile), func([]byte) []byte { return forged(t, hs, 10) })
		return nil
	}, verify.KindFork},
	{"wrong-key", func(t *testing.T, dir string, _, other *guardtest.HighSide) []byte {
		return other.KeyText()
	}, verify.KindWrongKey},
}

// flip xors mask into the byte at offset from the first occurrence of
// anchor in the file (from its start when anchor is nil).
func flip(t *testing.T, path string, anchor []byte, offset int, mask byte) {
	t.Helper()
	rewrite(t, path, func(b []byte) []byte {
		i := 0
		if anchor != nil {
			if i = bytes.Index(b, anchor); i < 0 {
				t.Fatalf("%s: %q not found", path, anchor)
			}
		}
		b[i+offset] ^= mask
		return b
	})
}

// TestTamperFixtures builds every fixture from a fresh export and checks
// the shipped copies: each is detected, exit code 1, and its first
// problem has the fixture's kind.
func TestTamperFixtures(t *testing.T) {
	other := guardtest.New(t, "link-1")
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			key := tt.fault(t, dir, hs, other)
			if key == nil {
				key = hs.KeyText()
			}
			checkTamper(t, dir, key, tt.want)
			if *updateTamper {
				ship(t, dir, key, filepath.Join(tamperDir, tt.name))
			}
			shipped := filepath.Join(tamperDir, tt.name)
			key, err := os.ReadFile(filepath.Join(shipped, "high-side.pub"))
			if err != nil {
				t.Fatalf("shipped fixture missing (run with -update-tamper): %v", err)
			}
			checkTamper(t, filepath.Join(shipped, "export"), key, tt.want)
		})
	}
}

func checkTamper(t *testing.T, dir string, key []byte, want verify.Kind) {
	t.Helper()
	rep := check(t, dir, key)
	if rep.OK() || rep.ExitCode() != verify.ExitMismatch {
		t.Fatalf("%s: tampering not detected: exit %d, %v", dir, rep.ExitCode(), rep.Problems)
	}
	if got := rep.Problems[0].Kind; got != want {
		t.Fatalf("%s: first problem kind %q, want %q\nall: %v", dir, got, want, rep.Problems)
	}
}

// ship copies a fixture's export folder (without the guard state) and key.
func ship(t *testing.T, dir string, key []byte, to string) {
	t.Helper()
	if err := os.RemoveAll(to); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(to, "export", rel)
		if e.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err == nil {
		err = os.WriteFile(filepath.Join(to, "high-side.pub"), key, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}
