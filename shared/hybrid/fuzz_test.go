package hybrid

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzKey is a fixed key so that fuzz inputs are reproducible across runs.
func fuzzKey(f *testing.F) *SoftwareSigner {
	seed := bytes.Repeat([]byte{0x42}, SeedSize)
	s, err := NewSoftwareSigner(SuiteMLDSA65P256, bytes.NewReader(append(seed, bytes.Repeat([]byte{9}, 128)...)))
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func FuzzParsePublicKey(f *testing.F) {
	s := fuzzKey(f)
	f.Add(string(SuiteMLDSA65P256), s.Public().Bytes())
	f.Add(string(SuiteMLDSA87P384), s.Public().Bytes())
	f.Add("x", []byte{})
	f.Fuzz(func(t *testing.T, suite string, raw []byte) {
		pk, err := ParsePublicKey(Suite(suite), raw)
		if err != nil {
			return
		}
		if !bytes.Equal(pk.Bytes(), raw) {
			t.Fatal("Bytes does not return the parsed encoding")
		}
		again, err := ParsePublicKey(pk.Suite(), pk.Bytes())
		if err != nil || !again.Equal(pk) {
			t.Fatalf("re-parse failed: %v", err)
		}
	})
}

func FuzzParsePublicKeyText(f *testing.F) {
	good := MarshalPublicKeyText("high-side", fuzzKey(f).Public())
	f.Add(good)
	f.Add(bytes.TrimSuffix(good, []byte("\n")))
	f.Add([]byte("bastion-hybrid a b c d"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, pk, err := ParsePublicKeyText(b)
		if err != nil {
			return
		}
		out := MarshalPublicKeyText(name, pk)
		if !bytes.Equal(bytes.TrimSuffix(b, []byte("\n")), bytes.TrimSuffix(out, []byte("\n"))) {
			t.Fatalf("re-encoding differs:\n in %q\nout %q", b, out)
		}
	})
}

func FuzzVerify(f *testing.F) {
	s := fuzzKey(f)
	sig, err := s.Sign([]byte("msg"), []byte("ctx"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("msg"), []byte("ctx"), sig)
	f.Add([]byte("msg"), []byte{}, sig[:100])
	f.Add([]byte{}, []byte{}, []byte{})
	pk := s.Public()
	f.Fuzz(func(t *testing.T, msg, ctx, sig []byte) {
		err := pk.Verify(msg, ctx, sig)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrContextTooLong) {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}
