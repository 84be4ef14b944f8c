package verify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
)

// truncate deletes batch 3 of the fixture and makes the rest consistent
// again: batch 2's signed checkpoint as the published one, a chain-head
// rewritten for two batches and the tiles rebuilt for size 7, as someone
// hiding batch 3 would.
func truncate(t *testing.T, dir string, key *verify.Key) {
	t.Helper()
	os.Remove(export.BatchPath(dir, 3))
	rp := verify.NewReplay(key, batch.Limits{})
	for seq := uint64(1); seq <= 2; seq++ {
		raw, err := os.ReadFile(export.BatchPath(dir, seq))
		if err != nil {
			t.Fatal(err)
		}
		if ps := rp.Add(export.File{Seq: seq}, raw); len(ps) > 0 {
			t.Fatalf("batch %d: %v", seq, ps)
		}
	}
	head, _ := rp.Head().MarshalText()
	rewrite(t, filepath.Join(dir, export.CheckpointFile), func([]byte) []byte { return rp.Checkpoint() })
	rewrite(t, filepath.Join(dir, export.ChainHeadFile), func([]byte) []byte { return head })
	if err := os.RemoveAll(filepath.Join(dir, export.TileDir)); err != nil {
		t.Fatal(err)
	}
	d, err := export.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Publish(nil, rp.Checkpoint(), rp.Head()); err != nil { // rebuilds the tiles
		t.Fatal(err)
	}
}

// forged signs, with the genuine key, a checkpoint at size n whose root
// is not the ledger's.
func forged(t *testing.T, hs *guardtest.HighSide, n uint64) []byte {
	t.Helper()
	root := hs.Root(t, n)
	root[0] ^= 1
	cp := checkpoint.Checkpoint{Origin: checkpoint.OriginFor(hs.Link), Size: n, Root: root}
	note, err := checkpoint.Sign(cp, hs.NoteKey, hs.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

func TestArchiveAnchors(t *testing.T) {
	tests := []struct {
		name   string
		anchor func(hs *guardtest.HighSide) (note []byte, min uint64)
		want   string // substring of the only problem; empty: OK
	}{
		{"no anchor: truncation is undetectable", nil, ""},
		{"checkpoint beyond the end", func(hs *guardtest.HighSide) ([]byte, uint64) { return hs.Note(t, 10), 0 },
			"archive ends at size 7, but the signed checkpoint from portal.cp covers 10"},
		{"checkpoint at the end", func(hs *guardtest.HighSide) ([]byte, uint64) { return hs.Note(t, 7), 0 }, ""},
		{"checkpoint inside a batch", func(hs *guardtest.HighSide) ([]byte, uint64) { return hs.Note(t, 5), 0 }, ""},
		{"checkpoint at size 0", func(hs *guardtest.HighSide) ([]byte, uint64) { return hs.Note(t, 0), 0 }, ""},
		{"forked root", func(hs *guardtest.HighSide) ([]byte, uint64) { return forged(t, hs, 5), 0 },
			"root at size 5 differs"},
		{"min size beyond the end", func(*guardtest.HighSide) ([]byte, uint64) { return nil, 8 },
			"archive ends at size 7, but --min-size requires 8"},
		{"min size at the end", func(*guardtest.HighSide) ([]byte, uint64) { return nil, 7 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			key, err := verify.ParseKey(hs.KeyText())
			if err != nil {
				t.Fatal(err)
			}
			truncate(t, dir, key)
			var o verify.Options
			if tt.anchor != nil {
				note, min := tt.anchor(hs)
				a := verify.MinSize(min)
				if note != nil {
					if a, err = key.Ring().OpenAnchor("portal.cp", note); err != nil {
						t.Fatal(err)
					}
				}
				o.Anchors = []verify.Anchor{a}
			}
			rep, err := verify.ArchiveWith(dir, key.Ring(), o)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !rep.OK() || rep.Size != 7 {
					t.Fatalf("got %v at size %d, want OK at size 7", rep.Problems, rep.Size)
				}
				return
			}
			if len(rep.Problems) != 1 || rep.Problems[0].Kind != verify.KindAnchor ||
				!strings.Contains(rep.Problems[0].Detail, tt.want) || rep.ExitCode() != verify.ExitMismatch {
				t.Fatalf("got %v, exit %d; want one anchor problem %q, exit 1", rep.Problems, rep.ExitCode(), tt.want)
			}
		})
	}
}

func TestOpenAnchorWrongKey(t *testing.T) {
	hs, other := guardtest.New(t, "link-1"), guardtest.New(t, "link-1")
	hs.Append(t, guardtest.Order(t, 1, guardtest.Releasable))
	key, err := verify.ParseKey(other.KeyText())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := key.Ring().OpenAnchor("x.cp", hs.Note(t, 1)); err == nil || !strings.Contains(err.Error(), "x.cp") {
		t.Fatalf("OpenAnchor with another key: err %v, want an error naming x.cp", err)
	}
}

// TestClearProblems checks the wording of common failures: the problems
// listed and the report header.
func TestClearProblems(t *testing.T) {
	other := guardtest.New(t, "link-1")
	tests := []struct {
		name   string
		tamper func(dir string) []byte // key text to use, nil: genuine
		want   []string                // every problem's substring, in order
		text   string                  // substring of the text report
	}{
		{"first batches deleted", func(dir string) []byte {
			os.Remove(export.BatchPath(dir, 1))
			os.Remove(export.BatchPath(dir, 2))
			return nil
		}, []string{"batches 1 to 2 are missing", "chain-head differs from the batches: records 3 (batches: 1), chain "}, "FAILED: 2 problems\n"},
		{"checkpoint missing", func(dir string) []byte {
			os.Remove(filepath.Join(dir, export.CheckpointFile))
			return nil
		}, []string{"checkpoint file missing"}, "ledger    not verified (the last checkpoint read claims size 10"},
		{"chain-head missing", func(dir string) []byte {
			os.Remove(filepath.Join(dir, export.ChainHeadFile))
			return nil
		}, []string{"chain-head file missing"}, "FAILED: 1 problem\n"},
		{"wrong key", func(string) []byte { return other.KeyText() },
			[]string{"no batch verifies under key " + guardtest.KeyName + ": wrong key?"}, "FAILED: 1 problem\n"},
		{"two problems", func(dir string) []byte {
			os.Remove(filepath.Join(dir, export.CheckpointFile))
			os.Remove(filepath.Join(dir, export.ChainHeadFile))
			return nil
		}, []string{"checkpoint file missing", "chain-head file missing"}, "FAILED: 2 problems\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			key := tt.tamper(dir)
			if key == nil {
				key = hs.KeyText()
			}
			rep := check(t, dir, key)
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.Detail)
			}
			if len(got) != len(tt.want) || rep.ExitCode() != verify.ExitMismatch {
				t.Fatalf("got %q, exit %d; want %q, exit 1", got, rep.ExitCode(), tt.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want %q", i+1, got[i], tt.want[i])
				}
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			if !strings.Contains(text.String(), tt.text) {
				t.Errorf("text report lacks %q:\n%s", tt.text, text.String())
			}
		})
	}
}
