package node

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSignedPackRoundTrip(t *testing.T) {
	s := newPackSigner(t)
	b := signPack(t, s, testPack("desk-7"))
	p, err := ParseSignedPack(b)
	if err != nil {
		t.Fatalf("ParseSignedPack: %v", err)
	}
	if p.Version != "desk-7" || p.Key.Name != "rulepack" || !bytes.Equal(p.Pack, testPack("desk-7")) {
		t.Errorf("got version %q key %q, want desk-7 signed by rulepack with the pack intact", p.Version, p.Key.Name)
	}
	if !bytes.Equal(p.Marshal(), b) {
		t.Errorf("Marshal differs from the parsed bytes")
	}
	cfg, err := p.Verify(s.Public())
	if err != nil || cfg.Version != "desk-7" {
		t.Errorf("Verify: %v, version %q", err, cfg.Version)
	}
}

func TestSignPackRefusesInvalidPacks(t *testing.T) {
	s := newPackSigner(t)
	cases := []struct {
		name, old, new, want string
	}{
		{"type error", "order.qty > 50", "order.qty > true", `custom[0] "over_fifty": expr:`},
		{"list file", `list_file = ""`, `list_file = "/etc/restricted.txt"`, "names no files"},
		{"unknown key", `[state]`, "[state]\nmystery = 1", `unknown key "state.mystery"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pack := strings.Replace(string(testPack("desk-8")), tc.old, tc.new, 1)
			_, err := SignPack([]byte(pack), "rulepack", s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseSignedPackErrors(t *testing.T) {
	good := signPack(t, newPackSigner(t), testPack("desk-9"))
	header, rest, _ := bytes.Cut(good, []byte("\n\n"))
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "missing or overlong line"},
		{"magic", bytes.Replace(good, []byte("v1"), []byte("v2"), 1), "first line"},
		{"header only", header, "size: missing or overlong line"},
		{"size mismatch", bytes.Replace(good, []byte("\nsize "), []byte("\nsize 1"), 1), "size"},
		{"trailing", append(bytes.Clone(good), 'x'), "trailing data"},
		{"no signature", append(append(bytes.Clone(header), "\n\n"...), rest[:len(rest)-200]...), "signature"},
		{"leading zero size", bytes.Replace(good, []byte("\nsize "), []byte("\nsize 0"), 1), "size"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSignedPack(tc.in)
			if !errors.Is(err, ErrBadRulePack) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrBadRulePack containing %q", err, tc.want)
			}
		})
	}
}

// FuzzParseSignedPack checks that no input crashes the parser and that
// whatever parses marshals back to the same bytes.
func FuzzParseSignedPack(f *testing.F) {
	good := signPack(f, newPackSigner(f), testPack("desk-10"))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("bastion-rulepack v1\nkey k\nversion v\nsize 1\n\nx\nsignature AA==\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseSignedPack(b)
		if err != nil {
			if !errors.Is(err, ErrBadRulePack) {
				t.Fatalf("error %v does not wrap ErrBadRulePack", err)
			}
			return
		}
		if !bytes.Equal(p.Marshal(), b) {
			t.Fatalf("parsed input does not marshal back to itself")
		}
	})
}
