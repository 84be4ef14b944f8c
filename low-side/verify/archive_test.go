package verify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard"
	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/entry"
)

// fixture runs three genuine batches (the second with a hidden entry, the
// third with one withheld by the guard) through a real guard and returns
// the export directory and the high side.
func fixture(t *testing.T, withheld bool) (string, *guardtest.HighSide) {
	t.Helper()
	dir := t.TempDir()
	hs := guardtest.New(t, "link-1")
	keyFile := filepath.Join(dir, "high-side.pub")
	os.WriteFile(keyFile, hs.KeyText(), 0o644)
	cfg := &guard.Config{Link: "link-1", HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(dir, "state"), ExportDir: filepath.Join(dir, "export")}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	label := entry.NewLabel(entry.Confidential, "trading")
	for i := range 3 {
		for j := range 3 {
			hs.Append(t, guardtest.Order(t, 10*i+j, label))
		}
		if i == 1 {
			hs.AppendHidden(t, guardtest.Order(t, 99, entry.NewLabel(entry.Secret)))
		}
		if i == 2 && withheld {
			hs.Append(t, guardtest.Order(t, 98, entry.NewLabel(entry.Secret)))
		}
		seq, raw := hs.Next(t)
		if out, err := g.Submit(seq, raw); err != nil || out == guard.Rejected {
			t.Fatalf("Submit(%d) = %v, %v", seq, out, err)
		}
	}
	return cfg.ExportDir, hs
}

func check(t *testing.T, dir string, keyText []byte) *verify.Report {
	t.Helper()
	key, err := verify.ParseKey(keyText)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Archive(dir, key, batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestArchiveGood(t *testing.T) {
	for _, withheld := range []bool{false, true} {
		dir, hs := fixture(t, withheld)
		rep := check(t, dir, hs.KeyText())
		wantSize, wantWithheld := uint64(10), uint64(0)
		if withheld {
			wantSize, wantWithheld = 11, 1
		}
		if !rep.OK() || rep.ExitCode() != verify.ExitOK || rep.Batches != 3 || rep.Size != wantSize ||
			rep.Withheld != wantWithheld || rep.Root != hs.Root(t, wantSize) {
			t.Fatalf("report = %+v, want OK: 3 batches, %d withheld, size %d, the high side's root",
				rep, wantWithheld, wantSize)
		}
	}
}

// rewrite replaces a published file's content (files are mode 0444).
func rewrite(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, fn(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestArchiveTampered(t *testing.T) {
	other := guardtest.New(t, "link-1")
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string) []byte // returns the key text to use, nil: genuine
		want   verify.Problem                        // first problem; Detail is a substring
	}{
		{"entry no longer parses", func(t *testing.T, dir string) []byte {
			rewrite(t, export.BatchPath(dir, 2), func(b []byte) []byte {
				i := bytes.Index(b, []byte(`{"v":1,"type":"order","id":"o-11"`))
				b[i+2] ^= 0x01 // "v" becomes "w"
				return b
			})
			return nil
		}, verify.Problem{Kind: verify.KindModified, Seq: 2, Index: 4, Detail: "the entry was changed"}},
		{"entry value flipped", func(t *testing.T, dir string) []byte {
			rewrite(t, export.BatchPath(dir, 2), func(b []byte) []byte {
				i := bytes.Index(b, []byte(`"qty":111`))
				b[i+8] ^= 0x02 // 111 becomes 113: still a valid entry
				return b
			})
			return nil
		}, verify.Problem{Kind: verify.KindModified, Seq: 2, Index: 4, Detail: "the entry was changed"}},
		{"missing batch", func(t *testing.T, dir string) []byte {
			os.Remove(export.BatchPath(dir, 2))
			return nil
		}, verify.Problem{Kind: verify.KindMissing, Seq: 3, Index: -1, Detail: "batch 2 is missing"}},
		{"reordered pair", func(t *testing.T, dir string) []byte {
			two, _ := os.ReadFile(export.BatchPath(dir, 2))
			three, _ := os.ReadFile(export.BatchPath(dir, 3))
			rewrite(t, export.BatchPath(dir, 2), func([]byte) []byte { return three })
			rewrite(t, export.BatchPath(dir, 3), func([]byte) []byte { return two })
			return nil
		}, verify.Problem{Kind: verify.KindOrder, Seq: 2, Index: -1, Detail: "holds batch 3"}},
		{"truncated batch", func(t *testing.T, dir string) []byte {
			rewrite(t, export.BatchPath(dir, 3), func(b []byte) []byte { return b[:len(b)/2] })
			return nil
		}, verify.Problem{Kind: verify.KindTruncated, Seq: 3, Index: -1, Detail: "truncated or malformed (length field"}},
		{"last batch removed", func(t *testing.T, dir string) []byte {
			os.Remove(export.BatchPath(dir, 3))
			return nil
		}, verify.Problem{Kind: verify.KindTileMissing, Seq: 2, Index: -1, Detail: "tile/0/000.p/7 is missing"}},
		{"wrong key", func(t *testing.T, dir string) []byte {
			return other.KeyText()
		}, verify.Problem{Kind: verify.KindWrongKey, Seq: 1, Index: -1, Detail: "does not verify"}},
		{"unexpected file (G3)", func(t *testing.T, dir string) []byte {
			os.WriteFile(filepath.Join(dir, export.BatchesDir, "../x=1'.batch"), nil, 0o644)
			os.WriteFile(filepath.Join(dir, export.BatchesDir, "a:b.batch"), nil, 0o644)
			return nil
		}, verify.Problem{Kind: verify.KindName, Index: -1, Detail: `"a:b.batch"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			key := tt.tamper(t, dir)
			if key == nil {
				key = hs.KeyText()
			}
			rep := check(t, dir, key)
			if rep.OK() || rep.ExitCode() != verify.ExitMismatch {
				t.Fatalf("tampering not detected: %+v", rep)
			}
			got := rep.Problems[0]
			if got.Kind != tt.want.Kind || got.Seq != tt.want.Seq || got.Index != tt.want.Index ||
				!strings.Contains(got.Detail, tt.want.Detail) {
				t.Fatalf("first problem = %+v\nwant %+v\nall: %v", got, tt.want, rep.Problems)
			}
		})
	}
}

// TestEntryLocalised checks that an entry that no longer parses is named
// by its ledger index, after the batch's signature problem.
func TestEntryLocalised(t *testing.T) {
	dir, hs := fixture(t, false)
	rewrite(t, export.BatchPath(dir, 2), func(b []byte) []byte {
		i := bytes.Index(b, []byte(`{"v":1,"type":"order","id":"o-11"`))
		b[i+2] ^= 0x01
		return b
	})
	rep := check(t, dir, hs.KeyText())
	var entryP, rootP *verify.Problem
	for i, p := range rep.Problems {
		switch p.Kind {
		case verify.KindEntry:
			entryP = &rep.Problems[i]
		case verify.KindRoot:
			rootP = &rep.Problems[i]
		}
	}
	if entryP == nil || entryP.Seq != 2 || entryP.Index != 4 {
		t.Fatalf("entry problem = %+v, want batch 2, ledger index 4\nall: %v", entryP, rep.Problems)
	}
	if rootP == nil || !strings.HasSuffix(rootP.Detail, "the change lies in ledger indexes 3 to 6") {
		t.Fatalf("root problem = %+v, want the range 3 to 6", rootP)
	}
}

// TestPublishedKeyNotes checks that a published key differing from the
// one given is noted without failing the verification, which uses only
// the key given.
func TestPublishedKeyNotes(t *testing.T) {
	dir, hs := fixture(t, false)
	pubs, err := filepath.Glob(filepath.Join(dir, "keys", "*.pub"))
	if err != nil || len(pubs) == 0 {
		t.Fatalf("export publishes no key: %v", err)
	}
	if rep := check(t, dir, hs.KeyText()); !rep.OK() || len(rep.Notes) != 0 {
		t.Fatalf("untouched export: OK %v, notes %q; want OK and no note", rep.OK(), rep.Notes)
	}
	other := guardtest.New(t, "link-1").KeyText()
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"another key, same name", other, "differs from the key given under that name"},
		{"garbage", []byte("not a key\n"), "is not a key file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rewrite(t, pubs[0], func([]byte) []byte { return tc.content })
			rep := check(t, dir, hs.KeyText())
			if !rep.OK() || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], tc.want) {
				t.Errorf("OK %v, notes %q; want OK and one note containing %q", rep.OK(), rep.Notes, tc.want)
			}
			var buf bytes.Buffer
			rep.WriteText(&buf)
			if !strings.Contains(buf.String(), "note      published key keys/") {
				t.Errorf("text report lacks the note:\n%s", buf.String())
			}
		})
	}
}
