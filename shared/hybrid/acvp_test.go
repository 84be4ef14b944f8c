package hybrid

// NIST ACVP known-answer tests for the post-quantum primitives Bastion
// uses: ML-DSA (FIPS 204) from circl, ML-KEM (FIPS 203) from the standard
// library, and SLH-DSA (FIPS 205) from circl. Every test case either passes,
// fails, or is counted as skipped with a reason; skips are never passes.

import (
	"bytes"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/cloudflare/circl/sign/slhdsa"
)

// hexBytes decodes an ACVP upper-case hex string.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

type acvpCase struct {
	TcID                  int `json:"tcId"`
	Seed, PK, SK          hexBytes
	Message, Context, Mu  hexBytes
	Signature             hexBytes
	HashAlg               string
	Z, D, EK, DK, M, C, K hexBytes
	SKSeed                hexBytes `json:"skSeed"`
	SKPrf                 hexBytes `json:"skPrf"`
	PKSeed                hexBytes `json:"pkSeed"`
	TestPassed            *bool    `json:"testPassed"`
}

type acvpGroup struct {
	TgID               int    `json:"tgId"`
	ParameterSet       string `json:"parameterSet"`
	SignatureInterface string `json:"signatureInterface"`
	PreHash            string `json:"preHash"`
	ExternalMu         *bool  `json:"externalMu"`
	Function           string `json:"function"`
	KeyFormat          string `json:"keyFormat"`
	Tests              []acvpCase
}

// acvpPair is one prompt test case joined with its expected result.
type acvpPair struct{ in, want acvpCase }

// loadACVP reads dir's prompt.json and expectedResults.json and joins them
// by tcId.
func loadACVP(t *testing.T, dir string) []struct {
	g     acvpGroup
	cases []acvpPair
} {
	t.Helper()
	read := func(name string) []acvpGroup {
		b, err := os.ReadFile(dataPath(t, filepath.Join("acvp", dir, name)))
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ TestGroups []acvpGroup }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("failed to parse %s/%s: %v", dir, name, err)
		}
		return f.TestGroups
	}
	prompt, results := read("prompt.json"), read("expectedResults.json")
	want := map[int]acvpCase{}
	for _, g := range results {
		for _, c := range g.Tests {
			want[c.TcID] = c
		}
	}
	var out []struct {
		g     acvpGroup
		cases []acvpPair
	}
	for _, g := range prompt {
		var cs []acvpPair
		for _, c := range g.Tests {
			w, ok := want[c.TcID]
			if !ok {
				t.Fatalf("%s: tcId %d has no expected result", dir, c.TcID)
			}
			cs = append(cs, acvpPair{c, w})
		}
		out = append(out, struct {
			g     acvpGroup
			cases []acvpPair
		}{g, cs})
	}
	return out
}

// tally counts outcomes of one vector file.
type tally struct {
	name    string
	passed  int
	failed  int
	skipped map[string]int
}

func newTally(name string) *tally { return &tally{name: name, skipped: map[string]int{}} }

func (ta *tally) skip(n int, reason string) { ta.skipped[reason] += n }

func (ta *tally) check(t *testing.T, tc int, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		ta.passed++
		return
	}
	ta.failed++
	t.Errorf("tcId %d: "+format, append([]any{tc}, args...)...)
}

func (ta *tally) report(t *testing.T) {
	t.Helper()
	var reasons []string
	total := 0
	for r, n := range ta.skipped {
		reasons = append(reasons, fmt.Sprintf("%d %s", n, r))
		total += n
	}
	sort.Strings(reasons)
	t.Logf("ACVP %s: %d passed, %d failed, %d skipped", ta.name, ta.passed, ta.failed, total)
	for _, r := range reasons {
		t.Logf("  skipped: %s", r)
	}
	if ta.passed == 0 {
		t.Errorf("ACVP %s: no vector passed", ta.name)
	}
}

var mldsaSchemes = map[string]sign.Scheme{
	"ML-DSA-44": mldsa44.Scheme(), "ML-DSA-65": mldsa65.Scheme(), "ML-DSA-87": mldsa87.Scheme(),
}

// TestACVPMLDSAKeyGen checks ML-DSA.KeyGen_internal (FIPS 204 Algorithm 6)
// against NIST's pk and expanded sk for every parameter set.
func TestACVPMLDSAKeyGen(t *testing.T) {
	ta := newTally("ML-DSA keyGen")
	for _, grp := range loadACVP(t, "ML-DSA-keyGen-FIPS204") {
		sch := mldsaSchemes[grp.g.ParameterSet]
		if sch == nil {
			ta.skip(len(grp.cases), "unknown parameter set "+grp.g.ParameterSet)
			continue
		}
		for _, c := range grp.cases {
			pk, sk := sch.DeriveKey(c.in.Seed)
			pkb, _ := pk.MarshalBinary()
			skb, _ := sk.MarshalBinary()
			ta.check(t, c.in.TcID, bytes.Equal(pkb, c.want.PK) && bytes.Equal(skb, c.want.SK),
				"%s pk/sk differ from NIST", grp.g.ParameterSet)
		}
	}
	ta.report(t)
}

// TestACVPMLDSASigVer checks ML-DSA.Verify (FIPS 204 Algorithm 3) on the
// external/pure groups. HashML-DSA and the internal interface are not
// exposed by circl and are skipped with that reason.
func TestACVPMLDSASigVer(t *testing.T) {
	ta := newTally("ML-DSA sigVer")
	for _, grp := range loadACVP(t, "ML-DSA-sigVer-FIPS204") {
		g := grp.g
		sch := mldsaSchemes[g.ParameterSet]
		switch {
		case sch == nil:
			ta.skip(len(grp.cases), "unknown parameter set "+g.ParameterSet)
			continue
		case g.SignatureInterface == "internal":
			ta.skip(len(grp.cases), "internal interface (Verify_internal / external mu): not exposed by circl")
			continue
		case g.PreHash != "pure":
			ta.skip(len(grp.cases), "HashML-DSA (preHash): not implemented by circl")
			continue
		}
		for _, c := range grp.cases {
			pk, err := sch.UnmarshalBinaryPublicKey(c.in.PK)
			if err != nil {
				ta.check(t, c.in.TcID, !*c.want.TestPassed, "public key rejected: %v", err)
				continue
			}
			got := sch.Verify(pk, c.in.Message, c.in.Signature, &sign.SignatureOpts{Context: string(c.in.Context)})
			ta.check(t, c.in.TcID, got == *c.want.TestPassed, "%s verify = %v, want %v",
				g.ParameterSet, got, *c.want.TestPassed)
		}
	}
	ta.report(t)
}

// kem adapts one crypto/mlkem parameter set to the ACVP functions.
type kem struct {
	encap     func(ek, m []byte) (k, c []byte, err error)
	decapSeed func(seed, c []byte) ([]byte, error)
	ekValid   func(ek []byte) bool
}

var kems = map[string]kem{
	"ML-KEM-768": {
		encap: func(ek, m []byte) ([]byte, []byte, error) {
			k, err := mlkem.NewEncapsulationKey768(ek)
			if err != nil {
				return nil, nil, err
			}
			return mlkemtest.Encapsulate768(k, m)
		},
		decapSeed: func(seed, c []byte) ([]byte, error) {
			k, err := mlkem.NewDecapsulationKey768(seed)
			if err != nil {
				return nil, err
			}
			return k.Decapsulate(c)
		},
		ekValid: func(ek []byte) bool { _, err := mlkem.NewEncapsulationKey768(ek); return err == nil },
	},
	"ML-KEM-1024": {
		encap: func(ek, m []byte) ([]byte, []byte, error) {
			k, err := mlkem.NewEncapsulationKey1024(ek)
			if err != nil {
				return nil, nil, err
			}
			return mlkemtest.Encapsulate1024(k, m)
		},
		decapSeed: func(seed, c []byte) ([]byte, error) {
			k, err := mlkem.NewDecapsulationKey1024(seed)
			if err != nil {
				return nil, err
			}
			return k.Decapsulate(c)
		},
		ekValid: func(ek []byte) bool { _, err := mlkem.NewEncapsulationKey1024(ek); return err == nil },
	},
}

// TestACVPMLKEMEncapDecap runs both published encapDecap files: encaps
// (FIPS 203 Algorithm 17, derandomised), decaps from a seed (Algorithm 18)
// and the encapsulation key check (§7.2). crypto/mlkem cannot load an
// expanded decapsulation key, so "expanded" decaps and decapsulation key
// checks are skipped with that reason.
func TestACVPMLKEMEncapDecap(t *testing.T) {
	for _, dir := range []string{"ML-KEM-encapDecap-FIPS203", "ML-KEM-encapDecap-FIPS203-v1.1.0.42"} {
		t.Run(dir, func(t *testing.T) {
			ta := newTally("ML-KEM encapDecap " + dir)
			for _, grp := range loadACVP(t, dir) {
				runKEMGroup(t, ta, grp.g, grp.cases)
			}
			ta.report(t)
		})
	}
}

func runKEMGroup(t *testing.T, ta *tally, g acvpGroup, cases []acvpPair) {
	k, ok := kems[g.ParameterSet]
	switch {
	case !ok:
		ta.skip(len(cases), g.ParameterSet+": not in crypto/mlkem")
		return
	case g.Function == "decapsulation" && g.KeyFormat != "seed" && len(cases[0].in.D) == 0:
		ta.skip(len(cases), "decapsulation from an expanded dk: not loadable by crypto/mlkem")
		return
	case g.Function == "decapsulationKeyCheck":
		ta.skip(len(cases), "decapsulation key check: crypto/mlkem has no expanded dk input")
		return
	}
	for _, c := range cases {
		switch g.Function {
		case "encapsulation":
			key, ct, err := k.encap(c.in.EK, c.in.M)
			ta.check(t, c.in.TcID, err == nil && bytes.Equal(key, c.want.K) && bytes.Equal(ct, c.want.C),
				"%s encaps differs (err %v)", g.ParameterSet, err)
		case "decapsulation":
			key, err := k.decapSeed(append(clone(c.in.D), c.in.Z...), c.in.C)
			ta.check(t, c.in.TcID, err == nil && bytes.Equal(key, c.want.K),
				"%s decaps differs (err %v)", g.ParameterSet, err)
		case "encapsulationKeyCheck":
			got := k.ekValid(c.in.EK)
			ta.check(t, c.in.TcID, got == *c.want.TestPassed, "%s ek check = %v, want %v",
				g.ParameterSet, got, *c.want.TestPassed)
		default:
			ta.skip(1, "unknown function "+g.Function)
		}
	}
}

// TestACVPSLHDSAKeyGen checks slh_keygen_internal (FIPS 205 Algorithm 18)
// for all twelve parameter sets. circl derives keys only from a random
// reader, which reads SK.seed, SK.prf and PK.seed in that order (FIPS 205
// Algorithm 21), so the NIST inputs are fed through one.
func TestACVPSLHDSAKeyGen(t *testing.T) {
	ta := newTally("SLH-DSA keyGen")
	for _, grp := range loadACVP(t, "SLH-DSA-keyGen-FIPS205") {
		id, err := slhdsa.IDByName(grp.g.ParameterSet)
		if err != nil {
			ta.skip(len(grp.cases), grp.g.ParameterSet+": not in circl")
			continue
		}
		for _, c := range grp.cases {
			in := bytes.NewReader(bytes.Join([][]byte{c.in.SKSeed, c.in.SKPrf, c.in.PKSeed}, nil))
			pub, priv, err := slhdsa.GenerateKey(in, id)
			if err != nil {
				ta.check(t, c.in.TcID, false, "%v", err)
				continue
			}
			pk, _ := pub.MarshalBinary()
			sk, _ := priv.MarshalBinary()
			ta.check(t, c.in.TcID, bytes.Equal(pk, c.want.PK) && bytes.Equal(sk, c.want.SK),
				"%s pk/sk differ from NIST", strings.TrimSpace(grp.g.ParameterSet))
		}
	}
	ta.report(t)
}

// TestACVPMLKEMKeyGen checks ML-KEM.KeyGen_internal (FIPS 203 Algorithm 16)
// with crypto/mlkem. The standard library has no ML-KEM-512 and does not
// expose the expanded decapsulation key, so dk is not compared.
func TestACVPMLKEMKeyGen(t *testing.T) {
	ta := newTally("ML-KEM keyGen")
	for _, grp := range loadACVP(t, "ML-KEM-keyGen-FIPS203") {
		for _, c := range grp.cases {
			seed := append(clone(c.in.D), c.in.Z...)
			var ek []byte
			switch grp.g.ParameterSet {
			case "ML-KEM-768":
				k, err := mlkem.NewDecapsulationKey768(seed)
				if err != nil {
					ta.check(t, c.in.TcID, false, "%v", err)
					continue
				}
				ek = k.EncapsulationKey().Bytes()
			case "ML-KEM-1024":
				k, err := mlkem.NewDecapsulationKey1024(seed)
				if err != nil {
					ta.check(t, c.in.TcID, false, "%v", err)
					continue
				}
				ek = k.EncapsulationKey().Bytes()
			default:
				ta.skip(1, grp.g.ParameterSet+": not in crypto/mlkem")
				continue
			}
			ta.check(t, c.in.TcID, bytes.Equal(ek, c.want.EK), "%s ek differs", grp.g.ParameterSet)
		}
	}
	t.Log("note: dk compared for none (crypto/mlkem keeps the expanded key private)")
	ta.report(t)
}
