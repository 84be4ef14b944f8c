package verify_test

import (
	"encoding/base64"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
)

// migrated is a high side whose key moved from ML-DSA-65 to ML-DSA-87.
type migrated struct {
	hs         *guardtest.HighSide
	oldKey     *hybrid.SoftwareSigner
	newKey     *hybrid.SoftwareSigner
	genesis    []byte // the old key's published file
	transition []byte
}

// newMigrated makes the keys and the transition statement effective at
// ledger size effective.
func newMigrated(t *testing.T, effective uint64) *migrated {
	t.Helper()
	hs := guardtest.New(t, "link-1")
	newKey, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA87P384, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &migrated{hs: hs, oldKey: hs.Signer, newKey: newKey, genesis: hs.KeyText()}
	m.transition = signTransition(t, hs.Signer, newKey, effective, hs.Signer, newKey)
	return m
}

// signTransition signs a transition from a to b with the signers sa, sb.
func signTransition(t *testing.T, a, b hybrid.Signer, effective uint64, sa, sb hybrid.Signer) []byte {
	t.Helper()
	tr := &hybrid.Transition{
		From:      hybrid.NamedKey{Name: guardtest.KeyName, Key: a.Public()},
		To:        hybrid.NamedKey{Name: guardtest.KeyName, Key: b.Public()},
		Effective: effective, Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Reason: "migration drill",
	}
	out, err := hybrid.SignTransition(tr, sa, sb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// use makes s the high side's signing key from the next batch on.
func (m *migrated) use(t *testing.T, s *hybrid.SoftwareSigner) {
	t.Helper()
	nk, err := checkpoint.HybridKey(guardtest.KeyName, string(s.Public().Suite()), s.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m.hs.Signer, m.hs.NoteKey = s, nk
}

// archive exports one batch of three entries per signer in keys, signing
// each with that key, and returns the export directory.
func (m *migrated) archive(t *testing.T, keys ...*hybrid.SoftwareSigner) string {
	t.Helper()
	d, err := export.Create(filepath.Join(t.TempDir(), "export"))
	if err != nil {
		t.Fatal(err)
	}
	chain := export.GenesisChain()
	label := entry.NewLabel(entry.Confidential, "trading")
	var note []byte
	var files []export.Published
	for i, k := range keys {
		m.use(t, k)
		for j := range 3 {
			m.hs.Append(t, guardtest.Order(t, 10*i+j, label))
		}
		seq, raw := m.hs.Next(t)
		b, err := batch.Parse(raw, batch.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, export.Published{File: export.File{Seq: seq}, Data: raw})
		note, chain = b.Checkpoint, export.NextChain(chain, seq, raw, b.Checkpoint)
	}
	n := uint64(len(keys))
	head := export.ChainHead{Records: n, Seq: n, Size: m.hs.Size(), Root: m.hs.Root(t, m.hs.Size()), Chain: chain}
	if err := d.Publish(files, note, head); err != nil {
		t.Fatal(err)
	}
	return d.Root()
}

func checkRing(t *testing.T, dir string, genesis []byte, transitions ...[]byte) *verify.Report {
	t.Helper()
	ring, err := verify.ParseKeyRing(genesis, transitions...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.ArchiveRing(dir, ring, batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestKeyRingAcrossMigration signs two batches with the old key, migrates
// at ledger size 6, signs two more with the new key, and verifies the
// whole sequence with the ring.
func TestKeyRingAcrossMigration(t *testing.T) {
	m := newMigrated(t, 6)
	dir := m.archive(t, m.oldKey, m.oldKey, m.newKey, m.newKey)

	rep := checkRing(t, dir, m.genesis, m.transition)
	if !rep.OK() || rep.Batches != 4 || rep.Size != 12 || rep.Root != m.hs.Root(t, 12) {
		t.Fatalf("report = %+v, want OK with 4 batches, size 12 and the high side's root", rep)
	}
	if !strings.Contains(rep.Key, "(sizes 0-6)") || !strings.Contains(rep.Key, "(sizes 6-on)") {
		t.Errorf("report key = %q, want both keys with their sizes", rep.Key)
	}

	// The genesis key alone accepts the first two batches only.
	rep = check(t, dir, m.genesis)
	if rep.OK() || rep.Problems[0].Seq != 3 {
		t.Fatalf("genesis key alone: problems %v, want the first at batch 3", rep.Problems)
	}
}

// TestKeyRingRejectsWrongEpoch checks that the old key is refused after
// the transition and the new key before it.
func TestKeyRingRejectsWrongEpoch(t *testing.T) {
	tests := []struct {
		name      string
		effective uint64
		keys      func(m *migrated) []*hybrid.SoftwareSigner
		wantSeq   uint64
		wantText  string
	}{
		{"old key after transition", 6, func(m *migrated) []*hybrid.SoftwareSigner {
			return []*hybrid.SoftwareSigner{m.oldKey, m.oldKey, m.oldKey}
		}, 3, "valid for sizes 0 to 6"},
		{"new key before transition", 9, func(m *migrated) []*hybrid.SoftwareSigner {
			return []*hybrid.SoftwareSigner{m.oldKey, m.newKey, m.newKey}
		}, 2, "valid for sizes 9 to on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMigrated(t, tt.effective)
			dir := m.archive(t, tt.keys(m)...)
			rep := checkRing(t, dir, m.genesis, m.transition)
			if rep.OK() {
				t.Fatal("report is OK, want a problem")
			}
			p := rep.Problems[0]
			if p.Seq != tt.wantSeq || (p.Kind != verify.KindSignature && p.Kind != verify.KindCheckpoint) ||
				!strings.Contains(p.Detail, tt.wantText) {
				t.Errorf("first problem %v, want a signature or checkpoint problem at batch %d mentioning %q",
					p, tt.wantSeq, tt.wantText)
			}
		})
	}
}

func TestKeyRingRejectsForgedTransition(t *testing.T) {
	m := newMigrated(t, 6)
	stranger, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA87P384, nil)
	third, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	lines := strings.Split(string(m.transition), "\n")
	// The new key's signature swapped for the old key's: one real
	// signature, one wrong.
	oldOnly := strings.Join(append(append([]string(nil), lines[:8]...),
		"signature-to "+strings.TrimPrefix(lines[7], "signature-from "), ""), "\n")
	// A statement the new key signed twice, claiming the old key agreed.
	selfSigned := signTransitionBy(t, m, m.newKey)

	tests := []struct {
		name        string
		transitions [][]byte
		want        error
	}{
		{"new signature missing", [][]byte{[]byte(strings.Join(lines[:8], "\n") + "\n")}, hybrid.ErrBadTransition},
		{"new signature wrong", [][]byte{[]byte(oldOnly)}, hybrid.ErrBadTransition},
		{"old signature by the new key", [][]byte{selfSigned}, hybrid.ErrBadTransition},
		{"from another key", [][]byte{signTransition(t, stranger, m.newKey, 6, stranger, m.newKey)}, verify.ErrKeyRing},
		{"sizes do not increase", [][]byte{m.transition,
			signTransition(t, m.newKey, third, 6, m.newKey, third)}, verify.ErrKeyRing},
		{"back to the old key", [][]byte{m.transition,
			signTransition(t, m.newKey, m.oldKey, 9, m.newKey, m.oldKey)}, verify.ErrKeyRing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := verify.ParseKeyRing(m.genesis, tt.transitions...); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// signTransitionBy returns m's transition with both signatures made by s.
func signTransitionBy(t *testing.T, m *migrated, s hybrid.Signer) []byte {
	t.Helper()
	tr, err := hybrid.ParseTransition(m.transition)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := tr.Body()
	sig, err := s.Sign(body, []byte(hybrid.TransitionContext))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(sig)
	return append(body, []byte("\nsignature-from "+enc+"\nsignature-to "+enc+"\n")...)
}

func TestKeyRingChainsInAnyOrder(t *testing.T) {
	m := newMigrated(t, 6)
	third, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	second := signTransition(t, m.newKey, third, 20, m.newKey, third)
	ring, err := verify.ParseKeyRing(m.genesis, second, m.transition)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		size uint64
		want []*hybrid.PublicKey
	}{
		{0, []*hybrid.PublicKey{m.oldKey.Public()}},
		{5, []*hybrid.PublicKey{m.oldKey.Public()}},
		{6, []*hybrid.PublicKey{m.oldKey.Public(), m.newKey.Public()}},
		{7, []*hybrid.PublicKey{m.newKey.Public()}},
		{20, []*hybrid.PublicKey{m.newKey.Public(), third.Public()}},
		{math.MaxUint64, []*hybrid.PublicKey{third.Public()}},
	}
	for _, tt := range tests {
		got := ring.At(tt.size)
		ok := len(got) == len(tt.want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].Public.Equal(tt.want[i])
		}
		if !ok {
			t.Errorf("At(%d) gives %d keys, not the %d expected", tt.size, len(got), len(tt.want))
		}
	}
	if e := ring.Epochs(); len(e) != 3 || e[1].From != 6 || e[1].To != 20 || !ring.Current().Public.Equal(third.Public()) {
		t.Errorf("epochs %+v, want 3 with the middle one from 6 to 20", e)
	}
}
