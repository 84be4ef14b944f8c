package hybrid

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// transitionKeys returns fixed signers: an ML-DSA-65 one and an ML-DSA-87
// one, so that inputs are reproducible.
func transitionKeys(t testing.TB) (*SoftwareSigner, *SoftwareSigner) {
	t.Helper()
	mk := func(suite Suite, b byte) *SoftwareSigner {
		s, err := NewSoftwareSigner(suite, bytes.NewReader(bytes.Repeat([]byte{b}, 256)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return mk(SuiteMLDSA65P256, 3), mk(SuiteMLDSA87P384, 4)
}

func newTransition(from, to Signer) *Transition {
	return &Transition{
		From:      NamedKey{"high-side", from.Public()},
		To:        NamedKey{"high-side", to.Public()},
		Effective: 1000,
		Time:      time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Reason:    "migration drill to MLDSA87-ECDSA-P384-SHA512",
	}
}

func TestTransitionRoundTrip(t *testing.T) {
	oldKey, newKey := transitionKeys(t)
	tr := newTransition(oldKey, newKey)
	b, err := SignTransition(tr, oldKey, newKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenTransition(b)
	if err != nil {
		t.Fatalf("OpenTransition: %v", err)
	}
	if !got.From.Key.Equal(oldKey.Public()) || !got.To.Key.Equal(newKey.Public()) {
		t.Error("parsed keys differ from the signers' keys")
	}
	if got.Effective != 1000 || !got.Time.Equal(tr.Time) || got.Reason != tr.Reason {
		t.Errorf("got effective %d, time %v, reason %q; want 1000, %v, %q",
			got.Effective, got.Time, got.Reason, tr.Time, tr.Reason)
	}
	again, err := got.Marshal()
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("re-encoding differs (%v)", err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 9 {
		t.Errorf("%d lines, want 9", n)
	}
}

func TestTransitionRejectsForgery(t *testing.T) {
	oldKey, newKey := transitionKeys(t)
	other, _ := NewSoftwareSigner(SuiteMLDSA87P384, nil)
	good, err := SignTransition(newTransition(oldKey, newKey), oldKey, newKey)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(good), "\n")
	replace := func(i int, s string) []byte {
		l := append([]string(nil), lines...)
		l[i] = s
		return []byte(strings.Join(l, "\n"))
	}
	// A statement by the old key alone, with the new key's line filled by a
	// signature of some other key over the same body.
	body, _ := newTransition(oldKey, newKey).Body()
	foreign, _ := other.Sign(body, []byte(TransitionContext))
	wrongCtx, _ := newKey.Sign(body, []byte("bastion-checkpoint-v1"))
	b64 := base64.StdEncoding.EncodeToString

	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"new signature missing", []byte(strings.Join(lines[:8], "\n") + "\n"), "two signature lines"},
		{"old signature missing", replace(7, "signature-from "), "signature-from is not base64"},
		{"new signature by another key", replace(8, "signature-to "+b64(foreign)), "signature of the new key"},
		{"new signature other context", replace(8, "signature-to "+b64(wrongCtx)), "signature of the new key"},
		{"signatures swapped", replace(7, strings.Replace(lines[8], "-to", "-from", 1)), "signature of the old key"},
		{"effective changed", replace(3, "effective-size 999"), "signature of the old key"},
		{"reason changed", replace(5, "reason routine"), "signature of the old key"},
		{"leading zero", replace(3, "effective-size 01000"), "not a decimal ledger size"},
		{"local time", replace(4, "time 2026-03-01T12:00:00+01:00"), "not YYYY-MM-DDThh:mm:ssZ"},
		{"empty reason", replace(5, "reason "), "reason must be"},
		{"control in reason", replace(5, "reason a\x01b"), "printable ASCII"},
		{"same key twice", replace(2, "to "+lines[1][len("from "):]), "same key"},
		{"bad magic", replace(0, "bastion-transition v2"), "want \"bastion-transition v1\""},
		{"no final newline", good[:len(good)-1], "ended by a newline"},
		{"carriage return", bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")), "carriage returns"},
		{"too large", append(bytes.Repeat([]byte("x"), MaxTransitionSize), '\n'), "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenTransition(tt.in)
			if !errors.Is(err, ErrBadTransition) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrBadTransition mentioning %q", err, tt.want)
			}
		})
	}
}

func TestSignTransitionChecksSigners(t *testing.T) {
	oldKey, newKey := transitionKeys(t)
	tests := []struct {
		name     string
		tr       *Transition
		from, to Signer
	}{
		{"signers swapped", newTransition(oldKey, newKey), newKey, oldKey},
		{"same key", newTransition(oldKey, oldKey), oldKey, oldKey},
		{"no reason", &Transition{From: NamedKey{"a", oldKey.Public()}, To: NamedKey{"a", newKey.Public()},
			Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, oldKey, newKey},
		{"fractional time", &Transition{From: NamedKey{"a", oldKey.Public()}, To: NamedKey{"a", newKey.Public()},
			Time: time.Date(2026, 1, 1, 0, 0, 0, 5, time.UTC), Reason: "r"}, oldKey, newKey},
		{"bad name", &Transition{From: NamedKey{"a b", oldKey.Public()}, To: NamedKey{"a", newKey.Public()},
			Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Reason: "r"}, oldKey, newKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SignTransition(tt.tr, tt.from, tt.to); !errors.Is(err, ErrBadTransition) {
				t.Fatalf("got %v, want ErrBadTransition", err)
			}
		})
	}
}

func FuzzParseTransition(f *testing.F) {
	oldKey, newKey := transitionKeys(f)
	good, err := SignTransition(newTransition(oldKey, newKey), oldKey, newKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(bytes.Replace(good, []byte("effective-size 1000"), []byte("effective-size 18446744073709551616"), 1))
	f.Add([]byte("bastion-transition v1\n\n\n\n\n\n\n\n\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseTransition(b)
		if err != nil {
			if !errors.Is(err, ErrBadTransition) {
				t.Fatalf("error is not ErrBadTransition: %v", err)
			}
			return
		}
		out, err := tr.Marshal()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v):\n in %q\nout %q", err, b, out)
		}
		tr.Verify() // must not panic
	})
}
