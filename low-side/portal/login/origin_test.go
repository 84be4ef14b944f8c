package login

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseOrigin(t *testing.T) {
	good := []struct{ in, want string }{
		{"https://portal.example", "https://portal.example"},
		{"https://portal.example:8443/", "https://portal.example:8443"},
		{"HTTPS://Portal.Example:08443", "https://portal.example:8443"},
		{"https://10.0.0.5:8443", "https://10.0.0.5:8443"},
		{"https://[2001:db8::1]", "https://[2001:db8::1]"},
		{"http://localhost:8443", "http://localhost:8443"},
		{"http://127.0.0.1:8443", "http://127.0.0.1:8443"},
		{"http://[::1]:8443", "http://[::1]:8443"},
		{"https://portal.example:443", "https://portal.example"},
		{"https://portal.example:0443/", "https://portal.example"},
		{"http://localhost:80", "http://localhost"},
		{"https://portal.example:80", "https://portal.example:80"},
		{"http://127.0.0.1:443", "http://127.0.0.1:443"},
		{"https://[2001:DB8:0:0::1]:443", "https://[2001:db8::1]"},
		{"http://[0:0:0:0:0:0:0:1]", "http://[::1]"},
		{"https://1.2.3.4", "https://1.2.3.4"},
		{"https://a1.example.b2", "https://a1.example.b2"},
	}
	for _, tc := range good {
		if got, err := ParseOrigin(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
		}
	}

	bad := []struct{ in, want string }{
		{"javascript:alert(1)", "want scheme://host[:port]"},
		{"", "want scheme://host[:port]"},
		{"portal.example:8443", "want scheme://host[:port]"},
		{"ftp://portal.example", "scheme must be https"},
		{"http://portal.example:8443", "http is allowed for a loopback host only"},
		{"http://10.0.0.5", "http is allowed for a loopback host only"},
		{"https://portal.example/enrol", "nothing else"},
		{"https://portal.example/?x=1", "nothing else"},
		{"https://portal.example?", "nothing else"},
		{"https://portal.example#top", "nothing else"},
		{"https://portal.example/#", "nothing else"},
		{"https://user:pw@portal.example", "nothing else"},
		{"https://", "no host"},
		{"https://:8443", "no host"},
		{"https://portal_example", "neither a host name nor an IP address"},
		{"https://-portal.example", "neither a host name nor an IP address"},
		{"https://portal.example:0", "port must be a number from 1 to 65535"},
		{"https://portal.example:", "port must be a number from 1 to 65535"},
		{"https://portal.example:99999", "port must be a number from 1 to 65535"},
		{"https://" + strings.Repeat("a", 5000), "neither a host name nor an IP address"},
		{"https://999.1.1.1", "ends in a number"},
		{"https://1.2.3.4.5", "ends in a number"},
		{"https://010.0.0.1", "ends in a number"},
		{"https://127.1", "ends in a number"},
		{"https://portal.example.0x7f", "ends in a number"},
		{"https://portal.42", "ends in a number"},
		{"http://[::ffff:127.0.0.1]", "IPv4-mapped"},
		{"https://[::ffff:10.0.0.5]", "IPv4-mapped"},
		{"http://[fe80::1%25en0]", "zone"},
	}
	for _, tc := range bad {
		got, err := ParseOrigin(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseOrigin(%q) = %q, %v; want an error containing %q", tc.in, got, err, tc.want)
		}
		if err != nil && len(tc.in) > 8 && strings.Contains(err.Error(), tc.in) {
			t.Errorf("ParseOrigin(%q) error %q repeats the input", tc.in, err)
		}
	}
}

// FuzzParseOrigin requires every accepted origin to come back in a
// canonical form that parses to itself and holds a scheme and host only.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"https://portal.example:8443/", "http://[::1]:80", "javascript:alert(1)",
		"HTTP://LOCALHOST", "https://a@b", "https://x/#",
		"https://999.1.1.1", "http://[::ffff:127.0.0.1]", "https://x.example:443", "http://[0::1]:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseOrigin(s)
		if err != nil {
			return
		}
		again, err := ParseOrigin(got)
		if err != nil || again != got {
			t.Fatalf("ParseOrigin(%q) = %q, which parses to %q, %v", s, got, again, err)
		}
		u, err := url.Parse(got)
		if err != nil || u.String() != got || u.Path != "" || u.User != nil || u.RawQuery != "" ||
			u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
			t.Fatalf("ParseOrigin(%q) = %q, not a bare origin", s, got)
		}
		if p := u.Port(); p != "" && p == strconv.FormatUint(defaultPort[u.Scheme], 10) {
			t.Fatalf("ParseOrigin(%q) = %q, which keeps the default port", s, got)
		}
	})
}

// TestAddUserRefusesBadInput checks that a bad name or origin is refused
// without creating the users file or repeating the input.
func TestAddUserRefusesBadInput(t *testing.T) {
	long := strings.Repeat("n", 5000)
	tests := []struct {
		name, user, origin, want string
	}{
		{"script origin", "rita", "javascript:alert(1)", "bad origin: "},
		{"origin with path", "rita", "https://portal.example/x", "bad origin: "},
		{"long name", long, "https://portal.example", "bad name: "},
		{"upper-case name", "Rita", "https://portal.example", "bad name: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.toml")
			inv, err := AddUser(path, tc.user, Regulator, tc.origin, time.Hour, time.Now())
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || inv != nil {
				t.Fatalf("AddUser = %v, %v; want nil and an error starting %q", inv, err, tc.want)
			}
			if strings.Contains(err.Error(), tc.user) || strings.Contains(err.Error(), tc.origin) {
				t.Errorf("error %q repeats the input", err)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("users file after a refused add: stat = %v, want it not to exist", err)
			}
		})
	}
}
