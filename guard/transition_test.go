package guard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/guard/auditlog"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
)

// newKeyName is the name of the key a migration hands over to.
const newKeyName = "high-side-2"

// migration is a high side with a second signer for a suite migration and
// the transition statement between them.
type migration struct {
	oldSigner, newSigner *hybrid.SoftwareSigner
	oldNote, newNote     checkpoint.Key
	transition           []byte
}

// newMigration makes an ML-DSA-87 + P-384 key and a transition from the
// high side's key to it, effective at ledger size effective.
func newMigration(t *testing.T, hs *guardtest.HighSide, effective uint64) *migration {
	t.Helper()
	m := &migration{oldSigner: hs.Signer, oldNote: hs.NoteKey, newSigner: newSigner(t)}
	pk := m.newSigner.Public()
	var err error
	if m.newNote, err = checkpoint.HybridKey(newKeyName, string(pk.Suite()), pk.Bytes()); err != nil {
		t.Fatal(err)
	}
	m.transition = signTransition(t, hs.Signer, guardtest.KeyName, m.newSigner, effective)
	return m
}

func newSigner(t *testing.T) *hybrid.SoftwareSigner {
	t.Helper()
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA87P384, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signTransition returns the file form of a transition from the key of
// from, named fromName, to the key of to, named newKeyName.
func signTransition(t *testing.T, from *hybrid.SoftwareSigner, fromName string, to *hybrid.SoftwareSigner, effective uint64) []byte {
	t.Helper()
	tr := &hybrid.Transition{
		From:      hybrid.NamedKey{Name: fromName, Key: from.Public()},
		To:        hybrid.NamedKey{Name: newKeyName, Key: to.Public()},
		Effective: effective,
		Time:      time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Reason:    "suite migration to ML-DSA-87",
	}
	b, err := hybrid.SignTransition(tr, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// use makes the high side sign with the old or the new key from now on.
func (m *migration) use(hs *guardtest.HighSide, newKey bool) {
	hs.Signer, hs.NoteKey = m.oldSigner, m.oldNote
	if newKey {
		hs.Signer, hs.NoteKey = m.newSigner, m.newNote
	}
}

// keyID returns the first four bytes of a key's ID in hex, as the ring
// names keys.
func keyID(s *hybrid.SoftwareSigner) string {
	id := s.Public().KeyID()
	return fmt.Sprintf("%x", id[:4])
}

// writeTransition writes a transition file below dir and returns its path.
func writeTransition(t *testing.T, dir string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, "transition-1.txt")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// step cuts one batch of orders signed by the old or the new key.
type step struct {
	orders int
	newKey bool
	want   Outcome
	reason string // substring of the signature stage's reason, if set
}

func TestTransitionAcrossMigration(t *testing.T) {
	const effective = 6
	tests := []struct {
		name  string
		steps []step
	}{
		{"old key up to the effective size, new key after", []step{
			{3, false, Accepted, ""}, {3, false, Accepted, ""}, {3, true, Accepted, "size 9 (" + newKeyName},
		}},
		{"new key signs the batch ending at the effective size", []step{
			{3, false, Accepted, ""}, {3, true, Accepted, "size 6 (" + guardtest.KeyName}, {2, true, Accepted, ""},
		}},
		{"old key after the effective size", []step{
			{3, false, Accepted, ""}, {3, false, Accepted, ""},
			{3, false, Rejected, "ledger size 9 is signed by " + guardtest.KeyName + "+%OLD%, valid for sizes 0 to 6"},
		}},
		{"old key across the effective size", []step{
			{4, false, Accepted, ""},
			{3, false, Rejected, "ledger size 7 is signed by " + guardtest.KeyName + "+%OLD%, valid for sizes 0 to 6"},
		}},
		{"new key before the effective size", []step{
			{3, true, Rejected, "ledger size 3 is signed by " + newKeyName + "+%NEW%, valid for sizes 6 to on"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newMigratedRig(t, effective)
			m := r.mig
			for i, s := range tt.steps {
				r.orders(s.orders)
				m.use(r.hs, s.newKey)
				seq, raw := r.hs.Next(t)
				r.submit(seq, raw, s.want)
				l := r.findLine(seq, StageSignature)
				wantDecision := auditlog.Accept
				if s.want == Rejected {
					wantDecision = auditlog.Reject
				}
				want := strings.NewReplacer("%OLD%", keyID(m.oldSigner), "%NEW%", keyID(m.newSigner)).Replace(s.reason)
				if l.Decision != wantDecision || !strings.Contains(l.Reason, want) {
					t.Fatalf("step %d: signature line %s %q, want %s containing %q", i+1, l.Decision, l.Reason, wantDecision, want)
				}
			}
		})
	}
}

// migratedRig is a rig whose guard trusts a transition effective at the
// given ledger size.
type migratedRig struct {
	*rig
	mig *migration
}

func newMigratedRig(t *testing.T, effective uint64) migratedRig {
	t.Helper()
	dir := t.TempDir()
	hs := guardtest.New(t, testLink)
	m := newMigration(t, hs, effective)
	r := &rig{t: t, hs: hs, cfg: benchConfig(t, dir, hs)}
	r.cfg.HighSideTransitions = []string{writeTransition(t, dir, m.transition)}
	r.open()
	return migratedRig{rig: r, mig: m}
}

func TestTransitionRestartSelfCheckVerify(t *testing.T) {
	r := newMigratedRig(t, 6)
	for _, newKey := range []bool{false, false, true, true} {
		r.orders(3)
		r.mig.use(r.hs, newKey)
		seq, raw := r.hs.Next(t)
		r.submit(seq, raw, Accepted)
	}
	r.g.Close()
	r.open() // the archive's last checkpoint is signed by the new key
	if h := r.g.Head(); h.Records != 4 || h.Size != 12 {
		t.Fatalf("head after restart = %+v, want 4 records, size 12", h)
	}
	if sc := r.g.SelfCheck(); !sc.OK() || sc.Size != 12 {
		t.Fatalf("self-check = %s, want passed at size 12", sc)
	}
	oldText := hybrid.MarshalPublicKeyText(guardtest.KeyName, r.mig.oldSigner.Public())
	ring, err := verify.ParseKeyRing(oldText, r.mig.transition)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.ArchiveRing(r.cfg.ExportDir, ring, batch.Limits{})
	if err != nil || !rep.OK() || rep.Size != 12 {
		t.Fatalf("verify report = %+v, %v; want OK at size 12", rep, err)
	}
}

func TestTransitionStartupErrors(t *testing.T) {
	hs := guardtest.New(t, testLink)
	good := newMigration(t, hs, 6).transition
	third := newSigner(t)
	tests := []struct {
		name  string
		file  func(dir string) string
		isErr error
		want  string
	}{
		{"effective size changed after signing", func(dir string) string {
			return writeTransition(t, dir, bytes.Replace(good, []byte("effective-size 6\n"), []byte("effective-size 60\n"), 1))
		}, hybrid.ErrBadTransition, "signature of the old key high-side"},
		{"signature byte flipped", func(dir string) string {
			b := bytes.Clone(good)
			i := bytes.LastIndex(b, []byte("signature-to ")) + len("signature-to ") + 8
			b[i] ^= 'A' ^ 'B'
			if b[i] == good[i] {
				b[i] = 'C'
			}
			return writeTransition(t, dir, b)
		}, hybrid.ErrBadTransition, "transition-1.txt"},
		{"not a transition", func(dir string) string {
			return writeTransition(t, dir, []byte("bastion-transition v2\n"))
		}, hybrid.ErrBadTransition, "transition-1.txt"},
		{"does not start from the published key", func(dir string) string {
			return writeTransition(t, dir, signTransition(t, third, "other", newSigner(t), 6))
		}, verify.ErrKeyRing, "starts from other"},
		{"missing file", func(dir string) string {
			return filepath.Join(dir, "absent.txt")
		}, os.ErrNotExist, "failed to read high-side key transition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := benchConfig(t, dir, hs)
			cfg.HighSideTransitions = []string{tt.file(dir)}
			g, err := Open(cfg, nil, nil)
			if err == nil {
				g.Close()
				t.Fatal("Open succeeded with a bad transition")
			}
			if !errors.Is(err, tt.isErr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open error = %v, want %v containing %q", err, tt.isErr, tt.want)
			}
			if _, err := os.Stat(cfg.StateDir); !os.IsNotExist(err) {
				t.Fatalf("state directory created before the transition was refused (stat error %v)", err)
			}
		})
	}
}

func TestSessionVerifier(t *testing.T) {
	hs := guardtest.New(t, testLink)
	old := hs.Signer
	mid, last := newSigner(t), newSigner(t)
	first := signTransition(t, old, guardtest.KeyName, mid, 6)
	// The second hand-over goes from newKeyName to another name.
	tr := &hybrid.Transition{
		From:      hybrid.NamedKey{Name: newKeyName, Key: mid.Public()},
		To:        hybrid.NamedKey{Name: "high-side-3", Key: last.Public()},
		Effective: 20, Time: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Reason: "rotation",
	}
	second, err := hybrid.SignTransition(tr, mid, last)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		transitions [][]byte
		accepts     []bool // old, mid, last
	}{
		{"no transition: the published key only", nil, []bool{true, false, false}},
		{"one transition: both keys of it", [][]byte{first}, []bool{true, true, false}},
		{"two transitions: the latest hand-over only", [][]byte{second, first}, []bool{false, true, true}},
	}
	msg, ctx := []byte("announcement"), []byte("bastion diode announce v1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ts []*hybrid.Transition
			for _, b := range tt.transitions {
				tr, err := hybrid.OpenTransition(b)
				if err != nil {
					t.Fatal(err)
				}
				ts = append(ts, tr)
			}
			trust, err := NewTrust(hs.KeyText(), testLink, ts...)
			if err != nil {
				t.Fatal(err)
			}
			v := trust.sessionVerifier()
			for i, s := range []*hybrid.SoftwareSigner{old, mid, last} {
				sig, err := s.Sign(msg, ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got := v.Verify(msg, ctx, sig) == nil; got != tt.accepts[i] {
					t.Errorf("key %d accepted = %v, want %v", i, got, tt.accepts[i])
				}
			}
		})
	}
}
