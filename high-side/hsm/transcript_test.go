package hsm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"bastion/shared/entry"
	"bastion/shared/hybrid"

	"github.com/google/go-cmp/cmp"
)

func TestCeremonySteps(t *testing.T) {
	res, _ := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	dir := filepath.Dir(res.Config)
	steps, err := CeremonySteps(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitment, err := os.ReadFile(filepath.Join(dir, "shares", "commitment.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(commitment)
	c := "ceremony=" + res.Ceremony + " "
	tok := make([]string, len(res.Tokens))
	for i, l := range res.Tokens {
		tok[i] = l + " serial=" + res.TokenSerials[i]
	}
	want := []entry.Ceremony{
		{Step: StepInit, Details: c + "suite=" + res.Suite + " key=high-side created=" + res.Created + " tokens=3"},
		{Step: StepKEKImport, Details: c + "token=" + tok[0] + " kcv=" + res.KEKCheckValue},
		{Step: StepKEKImport, Details: c + "token=" + tok[1] + " kcv=" + res.KEKCheckValue},
		{Step: StepKEKImport, Details: c + "token=" + tok[2] + " kcv=" + res.KEKCheckValue},
		{Step: StepECDSAKeygen, Details: c + "token=" + tok[0]},
		{Step: StepECDSAClone, Details: c + "token=" + tok[1] + " from=" + res.Tokens[0]},
		{Step: StepECDSAClone, Details: c + "token=" + tok[2] + " from=" + res.Tokens[0]},
		{Step: StepMLDSASeal, Details: c + "kek=" + KEKLabel},
		{Step: StepShares, Details: c + "threshold=3 shares=5 commitment=sha256:" + hex.EncodeToString(sum[:])},
	}
	for i := range want {
		want[i].KeyID = res.KeyID
	}
	if diff := cmp.Diff(want, steps); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

func TestTranscriptRefuses(t *testing.T) {
	good := CeremonyResult{Ceremony: "00112233445566778899aabbccddeeff", Suite: string(hybrid.SuiteMLDSA65P256),
		KeyName: "high-side", KeyID: "ab", Tokens: []string{"b-1"}, KEKCheckValue: "abcdef",
		Threshold: 3, Shares: 5, Created: "2026-03-02T14:30:00Z"}
	tests := []struct {
		name string
		edit func(*CeremonyResult)
	}{
		{"no tokens", func(r *CeremonyResult) { r.Tokens = nil }},
		{"token with a space", func(r *CeremonyResult) { r.Tokens = []string{"b 1"} }},
		{"long token", func(r *CeremonyResult) { r.Tokens = []string{string(make([]byte, 33))} }},
		{"bad created", func(r *CeremonyResult) { r.Created = "yesterday" }},
		{"bad recovered", func(r *CeremonyResult) { r.Recovered = "2026-03-02 14:30" }},
		{"two serials for one token", func(r *CeremonyResult) { r.TokenSerials = []string{"a1", "b2"} }},
		{"serial with a space", func(r *CeremonyResult) { r.TokenSerials = []string{"a 1"} }},
		{"long serial", func(r *CeremonyResult) { r.TokenSerials = []string{"0123456789abcdef0"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			if _, err := transcript(&r, [32]byte{}); !errors.Is(err, ErrBadCeremonyRecord) {
				t.Errorf("got %v, want ErrBadCeremonyRecord", err)
			}
		})
	}
	r := good
	r.Recovered = "2026-03-03T09:00:00Z"
	steps, err := transcript(&r, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Step)
	}
	if want := []string{StepRecover, StepKEKImport, StepECDSARestore, StepShares}; !cmp.Equal(names, want) {
		t.Errorf("recovered transcript steps %v, want %v", names, want)
	}
}

// FuzzTranscript checks that any ceremony.json either is refused or gives
// steps that fit a ceremony entry body.
func FuzzTranscript(f *testing.F) {
	f.Add([]byte(`{"ceremony":"00","key_id":"ab","tokens":["b-1","b-2"],"kek_check_value":"abcdef","threshold":3,"shares":5,"created":"2026-03-02T14:30:00Z"}`))
	f.Add([]byte(`{"tokens":["b-1"],"created":"2026-03-02T14:30:00Z","recovered":"2026-03-02T14:31:00Z"}`))
	f.Add([]byte(`{"tokens":[]}`))
	f.Add([]byte(`{"tokens":["b-1"],"token_serials":["5c2f0e9d1a7b3c48"],"created":"2026-03-02T14:30:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r CeremonyResult
		if json.Unmarshal(b, &r) != nil {
			return
		}
		steps, err := transcript(&r, sha256.Sum256(b))
		if err != nil {
			return
		}
		if len(steps) < 4 || len(steps) > 2*64+3 {
			t.Fatalf("%d steps", len(steps))
		}
		for _, s := range steps {
			if s.KeyID != r.KeyID {
				t.Fatalf("step %s has key id %q, want %q", s.Step, s.KeyID, r.KeyID)
			}
		}
	})
}
