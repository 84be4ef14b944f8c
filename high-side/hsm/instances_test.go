package hsm

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/miekg/pkcs11"
)

// TestSeparateInstancesFailIndependently runs a ceremony that gives each
// token a SoftHSM instance of its own (a copy of the library), then
// finalises one instance, as a token that dies would: only its token goes
// DOWN, signing continues on the others, and once the instance is
// initialised again the token returns through PROBATION to UP.
func TestSeparateInstancesFailIndependently(t *testing.T) {
	requireSoftHSM(t)
	dir := filepath.Join(t.TempDir(), "ceremony")
	res, err := Ceremony{Dir: dir, Module: softhsmModule, Tokens: 3, SoftHSM: true, Instances: true,
		LabelPrefix: "inst"}.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BackoffMin, cfg.BackoffMax = 1, 1
	p, s := openSigner(t, res, cfg)
	if p.tokens[0].mod == p.tokens[1].mod || p.tokens[1].mod == p.tokens[2].mod {
		t.Fatal("tokens share a library instance, want one each")
	}
	for range 6 {
		signOK(t, s)
	}
	for _, st := range p.Status() {
		if st.Served == 0 {
			t.Errorf("token %s served nothing of 6 sequential requests", st.Label)
		}
	}

	// Finalise the second token's instance behind the pool's back.
	path, conf := cfg.tokenModule(cfg.Tokens[1])
	c := pkcs11.New(path)
	if err := c.Finalize(); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		signOK(t, s)
	}
	if got := states(p); got[0] != StateUp || got[1] != StateDown || got[2] != StateUp {
		t.Fatalf("after the fault: %v, want [UP DOWN UP]", got)
	}

	// Bring it back.
	if err := initializeWithConf(c, conf); err != nil {
		t.Fatal(err)
	}
	for range cfg.ProbationSuccesses + 1 {
		p.Check(context.Background())
	}
	if got := states(p); got[1] != StateUp {
		t.Errorf("after the instance returned: %v, want token 2 UP", got)
	}
	signOK(t, s)
}
