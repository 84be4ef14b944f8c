package hsm

import (
	"bytes"
	"testing"

	"bastion/shared/hybrid"
)

func FuzzParseSealedSeed(f *testing.F) {
	s := &SealedSeed{Suite: hybrid.SuiteMLDSA65P256, KEKLabel: KEKLabel, Nonce: make([]byte, 12), Ciphertext: make([]byte, 48)}
	f.Add(s.Marshal())
	f.Add([]byte("bastion-sealed-seed v1"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSealedSeed(b)
		if err != nil {
			return
		}
		if !bytes.Equal(bytes.TrimSuffix(b, []byte("\n")), bytes.TrimSuffix(s.Marshal(), []byte("\n"))) {
			t.Fatalf("re-encoding differs: %q", s.Marshal())
		}
	})
}

func FuzzParseShare(f *testing.F) {
	f.Add(Share{Ceremony: randomHex(16), Threshold: 3, ID: 1, Value: make([]byte, 32)}.Marshal())
	f.Add([]byte("bastion-share v1 x 3 0 AA=="))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseShare(b)
		if err != nil {
			return
		}
		if s.ID == 0 {
			t.Fatal("share id 0 accepted")
		}
		if !bytes.Equal(bytes.TrimSuffix(b, []byte("\n")), bytes.TrimSuffix(s.Marshal(), []byte("\n"))) {
			t.Fatalf("re-encoding differs: %q", s.Marshal())
		}
	})
}

func FuzzParseCommitment(f *testing.F) {
	c := Commitment{Ceremony: randomHex(16), Threshold: 2, Points: [][]byte{make([]byte, 32), make([]byte, 32)}}
	f.Add(c.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommitment(b)
		if err != nil {
			return
		}
		if _, err := RecoverKEK(nil, c); err == nil {
			t.Fatal("recovery from no shares succeeded")
		}
		if !bytes.Equal(bytes.TrimSuffix(b, []byte("\n")), bytes.TrimSuffix(c.Marshal(), []byte("\n"))) {
			t.Fatalf("re-encoding differs: %q", c.Marshal())
		}
	})
}

func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("module = \"/m.so\"\nkek_check_value = \"a1b2c3\"\n[[tokens]]\nserial = \"9f3c0a7e51d2b4c6\"\nlabel = \"a\"\npin_file = \"pins/a.pin\"\n"))
	f.Add([]byte("kek_check_value = \"A1B2C3\"\n[[tokens]]\nserial = \"x\"\nmodule = \"softhsm/a/libsofthsm2.so\"\nsofthsm_conf = \"softhsm/a/softhsm2.conf\"\n"))
	f.Add([]byte("module = \"m\"\nmax_sessions = -1\nidle_timeout = 5\n[[tokens]]\nlabel = \"\"\n"))
	f.Add([]byte("kek_check_value = \"zz\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b, "/etc/bastion/hsm.toml")
		if err != nil {
			return
		}
		if len(cfg.Tokens) == 0 || cfg.MaxSessions < 1 || cfg.MaxIdleSessions > cfg.MaxSessions || cfg.IdleTimeout <= 0 {
			t.Fatalf("accepted config breaks its invariants: %+v", cfg)
		}
		for _, tc := range cfg.Tokens {
			if m, _ := cfg.tokenModule(tc); m == "" || !validSerial(tc.Serial) || len(tc.Label) > 32 {
				t.Fatalf("accepted token %+v", tc)
			}
		}
	})
}
