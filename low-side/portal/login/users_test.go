package login

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodUser = `[[user]]
name = "rita"
role = "regulator"
handle = "AAAAAAAAAAAAAAAAAAAAAA"
totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
`

func TestParseUsersErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown key", goodUser + "colour = \"red\"\n", "users.toml:6: unknown key user.colour"},
		{"unknown table", "[admin]\nx = 1\n", "users.toml:1: unknown key admin"},
		{"syntax", "[[user]\n", "users.toml:1:"},
		{"role", strings.Replace(goodUser, "regulator", "admin", 1), `user 1 ("rita"): role: unknown role "admin"`},
		{"name", strings.Replace(goodUser, "rita", "Rita!", 1), "name: want 1 to 64"},
		{"handle", strings.Replace(goodUser, "AAAAAAAAAAAAAAAAAAAAAA", "AA", 1), "handle: want 16 to 64 bytes"},
		{"secret", strings.Replace(goodUser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "JBSWY3DP", 1), "totp_secret: want at least 16 bytes"},
		{"twice", goodUser + goodUser, `user 2: name "rita" appears twice`},
		{"credential", goodUser + "[[user.credential]]\nid = \"\"\npublic_key = \"AA\"\n", "credential 1: id: want 1 to 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUsers("users.toml", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseUsersGood(t *testing.T) {
	f, err := ParseUsers("users.toml", []byte(goodUser))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Find("rita"); got == nil || got.Role != Regulator {
		t.Errorf("Find(rita) = %+v, want a regulator", got)
	}
}

func TestAddUserWritesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.toml")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	inv, err := AddUser(path, "sam", Security, "https://portal.low:8443/", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %04o, want 0600", fi.Mode().Perm())
	}
	if !strings.HasPrefix(inv.TOTPURI, "otpauth://totp/") || !strings.HasPrefix(inv.Link, "https://portal.low:8443/enrol#") {
		t.Errorf("invitation %q, %q: want an otpauth URI and an /enrol# link", inv.TOTPURI, inv.Link)
	}
	if _, err := AddUser(path, "sam", Auditor, "https://portal.low:8443", time.Hour, now); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("adding sam twice: %v, want already exists", err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), inv.Token) {
		t.Error("users file holds the registration token itself, want its hash only")
	}

	f, _, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	u := f.Find("sam")
	tests := []struct {
		token string
		at    time.Time
		want  error
	}{
		{inv.Token, now, nil},
		{inv.Token + "x", now, ErrBadToken},
		{inv.Token, now.Add(time.Hour), ErrEnrolmentExpired},
	}
	for _, tt := range tests {
		if err := u.checkEnrolment(tt.token, tt.at); err != tt.want {
			t.Errorf("checkEnrolment at %v: got %v, want %v", tt.at, err, tt.want)
		}
	}

	os.Chmod(path, 0o644)
	if _, err := OpenStore(path); err == nil || !strings.Contains(err.Error(), "want 0600") {
		t.Errorf("open of a 0644 users file: %v, want a refusal", err)
	}
}

func FuzzParseUsers(f *testing.F) {
	f.Add([]byte(goodUser))
	f.Add([]byte(goodUser + "[user.enrolment]\ntoken_sha256 = \"" + strings.Repeat("ab", 32) + "\"\nexpires = 2026-01-01T00:00:00Z\n"))
	f.Add([]byte(goodUser + "[[user.credential]]\nid = \"AQID\"\npublic_key = \"AQID\"\nsign_count = 4\n"))
	f.Add([]byte("[[user]]\nname = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseUsers("fuzz.toml", data)
		if err != nil {
			return
		}
		// What parses must encode and parse back to the same file.
		b, err := u.Encode()
		if err != nil {
			t.Fatalf("encode of a parsed file: %v", err)
		}
		again, err := ParseUsers("again.toml", b)
		if err != nil {
			t.Fatalf("re-parse of encoded file: %v\n%s", err, b)
		}
		b2, _ := again.Encode()
		if string(b) != string(b2) {
			t.Fatalf("encoding not stable:\n%s\n---\n%s", b, b2)
		}
	})
}
