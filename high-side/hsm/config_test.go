package hsm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
)

func TestReadPIN(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), mode)
		os.Chmod(p, mode)
		return p
	}
	tests := []struct {
		name    string
		tc      TokenConfig
		env     string
		want    string
		wantErr bool
	}{
		{"0600 file", TokenConfig{PINFile: write("ok", "1234\n", 0o600)}, "", "1234", false},
		{"0400 file", TokenConfig{PINFile: write("ro", "99\r\n", 0o400)}, "", "99", false},
		{"group readable", TokenConfig{PINFile: write("g", "1234\n", 0o640)}, "", "", true},
		{"world readable", TokenConfig{PINFile: write("w", "1234\n", 0o644)}, "", "", true},
		{"empty", TokenConfig{PINFile: write("e", "\n", 0o600)}, "", "", true},
		{"missing", TokenConfig{PINFile: filepath.Join(dir, "none")}, "", "", true},
		{"env", TokenConfig{Label: "x"}, "5678", "5678", false},
		{"neither", TokenConfig{Label: "x"}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(PINEnv, tt.env)
			got, err := readPIN(tt.tc)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("got (%q, %v), want (%q, error %v)", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrPINFile) {
				t.Errorf("error %v is not ErrPINFile", err)
			}
			if err != nil && strings.Contains(err.Error(), "1234") {
				t.Error("error message contains the PIN")
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	head := "module = \"/m.so\"\nkek_check_value = \"a1b2c3\"\n"
	good := head + "[[tokens]]\nserial = \"9f3c0a7e51d2b4c6\"\nlabel = \"a\"\npin_file = \"pins/a.pin\"\n"
	tests := []struct {
		name, body, wantErr string
	}{
		{"good", good, ""},
		{"unknown key", good + "pin = \"1\"\n", "pin"},
		{"no tokens", head, "no tokens"},
		{"duplicate serial", good + "[[tokens]]\nserial = \"9f3c0a7e51d2b4c6\"\nlabel = \"b\"\n", "listed twice"},
		{"same label, two serials", good + "[[tokens]]\nserial = \"1\"\nlabel = \"a\"\n", ""},
		{"no serial", head + "[[tokens]]\nlabel = \"a\"\n", "token 1: serial missing"},
		{"long serial", head + "[[tokens]]\nserial = \"" + strings.Repeat("1", 17) + "\"\n", "1 to 16"},
		{"blank in serial", head + "[[tokens]]\nserial = \"12 34\"\n", "1 to 16"},
		{"long label", head + "[[tokens]]\nserial = \"1\"\nlabel = \"" + strings.Repeat("x", 33) + "\"\n", "over 32"},
		{"bad KEK check value", "module = \"/m.so\"\nkek_check_value = \"xyz\"\n" + good[len(head):], "6 hex digits"},
		{"no KEK check value", "module = \"/m.so\"\n" + good[len(head):], "6 hex digits"},
		{"no module for a token", "kek_check_value = \"a1b2c3\"\n[[tokens]]\nserial = \"1\"\n", "module is empty"},
		{"negative sessions", "max_sessions = -2\n" + good, "max_sessions -2 must not be negative"},
		{"negative back-off", "backoff_max = -1000000000\n" + good, "backoff_max -1s must not be negative"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("c%d.toml", i))
			os.WriteFile(p, []byte(tt.body), 0o600)
			cfg, err := LoadConfig(p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if want := filepath.Join(dir, "pins/a.pin"); cfg.Tokens[0].PINFile != want {
					t.Errorf("pin file %q, want %q", cfg.Tokens[0].PINFile, want)
				}
				if got := cfg.Tokens[0].Serial; got != "9f3c0a7e51d2b4c6" {
					t.Errorf("serial %q, want 9f3c0a7e51d2b4c6", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Class
	}{
		{nil, ClassNone},
		{pkcs11.Error(pkcs11.CKR_SESSION_HANDLE_INVALID), ClassSession},
		{fmt.Errorf("wrapped: %w", pkcs11.Error(pkcs11.CKR_SESSION_CLOSED)), ClassSession},
		{pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN), ClassLogin},
		{pkcs11.Error(pkcs11.CKR_KEY_HANDLE_INVALID), ClassLogin},
		{pkcs11.Error(pkcs11.CKR_DEVICE_REMOVED), ClassDevice},
		{pkcs11.Error(pkcs11.CKR_TOKEN_NOT_PRESENT), ClassDevice},
		{pkcs11.Error(pkcs11.CKR_ENCRYPTED_DATA_INVALID), ClassAuth},
		{fmt.Errorf("x: %w", ErrUnsealAuth), ClassAuth},
		{pkcs11.Error(pkcs11.CKR_MECHANISM_INVALID), ClassCaller},
		{pkcs11.Error(pkcs11.CKR_PIN_INCORRECT), ClassCredentials},
		{pkcs11.Error(pkcs11.CKR_PIN_LOCKED), ClassCredentials},
		{classedError{ClassDevice, ErrKeyMismatch}, ClassDevice},
		{errors.New("other"), ClassDevice},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestWrongPINTakesTokenOut checks that a refused PIN puts the token DOWN
// with the credentials class while the others serve.
func TestWrongPINTakesTokenOut(t *testing.T) {
	res, cfg := newCeremony(t, 2, "")
	bad := filepath.Join(t.TempDir(), "bad.pin")
	os.WriteFile(bad, []byte("wrong\n"), 0o600)
	cfg.Tokens[0].PINFile = bad
	p, s := openSigner(t, res, cfg)
	signOK(t, s)
	if got := p.Status()[0]; got.State != StateDown || got.LastError != ClassCredentials {
		t.Errorf("token 1: %v/%v, want DOWN/credentials", got.State, got.LastError)
	}
}

// TestLoadConfigInstancePaths checks that per-token library copies and
// SoftHSM configurations are resolved against the configuration's folder,
// and that a bare library name is left to the loader's search path.
func TestLoadConfigInstancePaths(t *testing.T) {
	dir := t.TempDir()
	body := "module = \"libsofthsm2.so\"\nsofthsm_conf = \"softhsm2.conf\"\nkek_check_value = \"A1B2C3\"\n" +
		"[[tokens]]\nserial = \"a1\"\nlabel = \"a\"\nmodule = \"softhsm/a/libsofthsm2.so\"\nsofthsm_conf = \"softhsm/a/softhsm2.conf\"\n" +
		"[[tokens]]\nserial = \"b2\"\nlabel = \"b\"\n"
	p := filepath.Join(dir, "hsm.toml")
	os.WriteFile(p, []byte(body), 0o600)
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ token, module, conf string }{
		{"a", filepath.Join(dir, "softhsm/a/libsofthsm2.so"), filepath.Join(dir, "softhsm/a/softhsm2.conf")},
		{"b", "libsofthsm2.so", filepath.Join(dir, "softhsm2.conf")},
	}
	for i, tt := range tests {
		m, c := cfg.tokenModule(cfg.Tokens[i])
		if m != tt.module || c != tt.conf {
			t.Errorf("token %s: got (%q, %q), want (%q, %q)", tt.token, m, c, tt.module, tt.conf)
		}
	}
	if cfg.KEKCheckValue != "a1b2c3" {
		t.Errorf("kek_check_value %q, want a1b2c3", cfg.KEKCheckValue)
	}
}

// TestCeremonyRefusesNegativeCounts: a negative count is an error naming
// it, never quietly the default; zero means the default.
func TestCeremonyRefusesNegativeCounts(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Ceremony
		want string
	}{
		{"tokens", Ceremony{Tokens: -1}, "tokens -1 must not be negative"},
		{"threshold", Ceremony{Threshold: -3}, "threshold -3 must not be negative"},
		{"shares", Ceremony{Shares: -5}, "shares -5 must not be negative"},
		{"zero means default", Ceremony{}, ""},
	} {
		tc.c.Dir, tc.c.Module = t.TempDir(), "/m.so"
		err := tc.c.defaults()
		switch {
		case tc.want == "" && (err != nil || tc.c.Tokens != 3 || tc.c.Threshold != 3 || tc.c.Shares != 5):
			t.Errorf("%s: %v, %d tokens, %d-of-%d; want no error, 3 tokens, 3-of-5",
				tc.name, err, tc.c.Tokens, tc.c.Threshold, tc.c.Shares)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
