package export

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"bastion/shared/merkle"
)

func TestBatchNames(t *testing.T) {
	tests := []struct {
		name string
		seq  uint64
		ok   bool
		wh   bool
	}{
		{"00000000000000000007.withheld", 7, true, true},
		{"00000000000000000007.withheld.batch", 0, false, false},
		{"00000000000000000001.batch", 1, true, false},
		{"18446744073709551615.batch", 1<<64 - 1, true, false},
		{"00000000000000000000.batch", 0, true, false},
		{"18446744073709551616.batch", 0, false, false}, // overflows uint64
		{"0000000000000000001.batch", 0, false, false},  // 19 digits
		{"00000000000000000001.batch.tmp", 0, false, false},
		{".00000000000000000001.batch.tmp", 0, false, false},
		{"../0000000000000000001.batch", 0, false, false},
		{"0000000000000000000:.batch", 0, false, false},
		{"000000000000000000=1.batch", 0, false, false},
		{"\"0000000000000000001.batch", 0, false, false},
		{"+0000000000000000001.batch", 0, false, false},
		{"00000000000000000001.BATCH", 0, false, false},
		{"", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, wh, err := ParseBatchName(tt.name)
			if tt.ok != (err == nil) || seq != tt.seq || wh != tt.wh {
				t.Fatalf("ParseBatchName(%q) = %d, %v, %v; want %d, %v, ok=%v",
					tt.name, seq, wh, err, tt.seq, tt.wh, tt.ok)
			}
			if f := (File{seq, wh}); tt.ok && f.Name() != tt.name {
				t.Fatalf("File.Name() = %q, want %q", f.Name(), tt.name)
			}
			if !tt.ok && !errors.Is(err, ErrBadName) {
				t.Fatalf("error %v, want ErrBadName", err)
			}
		})
	}
}

func TestKeyFileName(t *testing.T) {
	for name, ok := range map[string]bool{
		"high-side": true, "high_side.v2": true, "../x": false, ".hidden": false,
		"a:b": false, "a=b": false, `a"b`: false, "": false, "a/b": false,
	} {
		got, err := KeyFileName(name)
		if ok != (err == nil) || ok && got != name+".pub" {
			t.Errorf("KeyFileName(%q) = %q, %v; want ok=%v", name, got, err, ok)
		}
	}
}

func TestChainHeadRoundTrip(t *testing.T) {
	h := ChainHead{Records: 3, Seq: 7, Chain: NextChain(GenesisChain(), 7, []byte("b"), []byte("c")),
		Size: 1000, Root: merkle.LeafHash([]byte("x"))}
	b, _ := h.MarshalText()
	got, err := ParseChainHead(b)
	if err != nil || got != h {
		t.Fatalf("ParseChainHead = %+v, %v; want %+v", got, err, h)
	}
	for _, bad := range []string{"", string(b[:len(b)-1]), string(b) + "x\n",
		string(bytes.Replace(b, []byte("seq 7"), []byte("seq 07"), 1)),
		string(bytes.Replace(b, []byte("size 1000"), []byte("size -1"), 1)),
		string(bytes.ToUpper(b)),
	} {
		if _, err := ParseChainHead([]byte(bad)); !errors.Is(err, ErrChainHead) {
			t.Errorf("ParseChainHead(%q) = %v, want ErrChainHead", bad, err)
		}
	}
}

func TestChainDependsOnEveryField(t *testing.T) {
	g := GenesisChain()
	base := NextChain(g, 1, []byte("ab"), []byte("c"))
	for name, c := range map[string]Chain{
		"seq":        NextChain(g, 2, []byte("ab"), []byte("c")),
		"boundary":   NextChain(g, 1, []byte("a"), []byte("bc")),
		"prev":       NextChain(base, 1, []byte("ab"), []byte("c")),
		"checkpoint": NextChain(g, 1, []byte("ab"), []byte("d")),
	} {
		if c == base {
			t.Errorf("changing %s did not change the chain hash", name)
		}
	}
}

func TestWriteBatch(t *testing.T) {
	d, err := Create(filepath.Join(t.TempDir(), "export"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteBatch(5, []byte("batch five")); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteBatch(5, []byte("batch five")); err != nil {
		t.Fatalf("republishing the same bytes = %v, want nil", err)
	}
	if err := d.WriteBatch(5, []byte("other")); !errors.Is(err, ErrConflict) {
		t.Fatalf("WriteBatch with other bytes = %v, want ErrConflict", err)
	}
	fi, err := os.Stat(BatchPath(d.Root(), 5))
	if err != nil || fi.Mode().Perm() != 0o444 {
		t.Fatalf("batch file mode = %v, %v; want 0444", fi.Mode(), err)
	}
	d.WriteKey("high-side", []byte("k\n"))
	if err := d.WriteKey("../evil", nil); !errors.Is(err, ErrBadName) {
		t.Fatalf("WriteKey(../evil) = %v, want ErrBadName", err)
	}
	os.WriteFile(filepath.Join(d.Root(), BatchesDir, "x;rm.batch"), nil, 0o600)
	d.WriteBatch(2, []byte("two"))
	d.WriteWithheld(3, (&Withheld{Version: WithheldVersion, Seq: 3}).Marshal())
	l, err := ListBatches(d.Root())
	want := []File{{2, false}, {3, true}, {5, false}}
	if err != nil || !slices.Equal(l.Files, want) || !slices.Equal(l.Other, []string{`"x;rm.batch"`}) {
		t.Fatalf("ListBatches = %+v, %v", l, err)
	}
}

func FuzzParseChainHead(f *testing.F) {
	b, _ := ChainHead{Seq: 1}.MarshalText()
	f.Add(b)
	f.Add([]byte("bastion-chain-head v1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := ParseChainHead(in)
		if err != nil {
			return
		}
		again, _ := h.MarshalText()
		if !bytes.Equal(again, in) {
			t.Fatalf("round trip changed bytes:\n%q\n%q", in, again)
		}
	})
}

func FuzzParseBatchName(f *testing.F) {
	f.Add("00000000000000000001.batch")
	f.Add("../x")
	f.Fuzz(func(t *testing.T, name string) {
		seq, wh, err := ParseBatchName(name)
		if f := (File{seq, wh}); err == nil && f.Name() != name {
			t.Fatalf("accepted %q, which is not the canonical name %q", name, f.Name())
		}
	})
}

func FuzzParseWithheld(f *testing.F) {
	w := &Withheld{Version: WithheldVersion, Link: "l", Seq: 3, First: 4, Stage: "scan",
		Reason: "r", Prev: []byte("p"), Checkpoint: []byte("c"),
		Proof: []merkle.Hash{{1}}, Leaves: []merkle.Hash{{2}, {3}}}
	f.Add(w.Marshal())
	f.Add([]byte(`{"v":2}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		w, err := ParseWithheld(in)
		if err != nil {
			return
		}
		if !bytes.Equal(w.Marshal(), in) {
			t.Fatalf("accepted a non-canonical encoding %q", in)
		}
	})
}

func FuzzParseProofName(f *testing.F) {
	f.Add("00000000000000000001.proof")
	f.Add("18446744073709551616.proof")
	f.Add("../1.proof")
	f.Fuzz(func(t *testing.T, name string) {
		i, err := ParseProofName(name)
		if err == nil && ProofName(i) != name {
			t.Fatalf("accepted %q, which is not the canonical name %q", name, ProofName(i))
		}
	})
}
