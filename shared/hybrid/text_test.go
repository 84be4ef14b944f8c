package hybrid

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPublicKeyTextRoundTrip(t *testing.T) {
	for _, suite := range Suites() {
		pk := newSigner(t, suite).Public()
		b := MarshalPublicKeyText("high-side", pk)
		name, got, err := ParsePublicKeyText(b)
		if err != nil {
			t.Fatalf("%s: %v", suite, err)
		}
		if name != "high-side" || !got.Equal(pk) {
			t.Errorf("%s: got (%q, %x...), want (high-side, %x...)", suite, name, got.Bytes()[:8], pk.Bytes()[:8])
		}
		if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
			t.Errorf("%s: text is not one line ending in newline", suite)
		}
	}
}

func TestParsePublicKeyTextErrors(t *testing.T) {
	good := string(MarshalPublicKeyText("k1", newSigner(t, SuiteMLDSA65P256).Public()))
	f := strings.Fields(good)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrBadKeyText},
		{"wrong magic", strings.Replace(good, "bastion-hybrid", "bastion-hybri", 1), ErrBadKeyText},
		{"bad name", strings.Replace(good, " k1 ", " ../k1 ", 1), ErrBadKeyText},
		{"two lines", good + good, ErrBadKeyText},
		{"CRLF", strings.TrimSuffix(good, "\n") + "\r\n", ErrBadKeyText},
		{"double space", strings.Replace(good, " k1 ", " k1  ", 1), ErrBadKeyText},
		{"unknown suite", strings.Replace(good, f[2], "MLDSA44-ECDSA-P256-SHA256", 1), ErrUnknownSuite},
		{"wrong key id", strings.Replace(good, f[3], strings.Repeat("0", 64), 1), ErrBadKeyText},
		{"not base64", strings.Replace(good, f[4], f[4][:len(f[4])-2]+"!!", 1), ErrBadKeyText},
		{"truncated key", strings.Replace(good, f[4], f[4][:len(f[4])-4], 1), ErrBadPublicKey},
		{"too long", good + strings.Repeat("A", maxKeyText), ErrBadKeyText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ParsePublicKeyText([]byte(tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestValidKeyName(t *testing.T) {
	tests := map[string]bool{
		"high-side": true, "a": true, "node_1.v2": true, strings.Repeat("a", 64): true,
		"": false, ".hidden": false, "a b": false, "a/b": false, "é": false, strings.Repeat("a", 65): false,
	}
	for name, want := range tests {
		if got := ValidKeyName(name); got != want {
			t.Errorf("ValidKeyName(%q) = %v, want %v", name, got, want)
		}
	}
}
