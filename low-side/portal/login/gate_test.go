package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type gateFixture struct {
	h      http.Handler
	clock  *clock
	access *strings.Builder
	secret string
}

func newGateFixture(t *testing.T) *gateFixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.toml")
	c := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	inv, err := AddUser(path, "sam", Security, "http://localhost:8443", time.Hour, c.now())
	if err != nil {
		t.Fatal(err)
	}
	key, _ := otp.NewKeyFromURL(inv.TOTPURI)
	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	access := &strings.Builder{}
	g, err := New(Config{Users: store, RPID: "localhost", Origins: []string{"http://localhost:8443"},
		AccessLog: access, Now: c.now, Throttle: Throttle{Burst: 3, Every: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := ViewerFrom(r.Context())
		w.Write([]byte("hello " + v.Name + " " + string(v.Role)))
	})
	return &gateFixture{h: g.Middleware(inner), clock: c, access: access, secret: key.Secret()}
}

func (f *gateFixture) do(method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *gateFixture) code(t *testing.T, at time.Time) string {
	c, err := totp.GenerateCode(f.secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sessionCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

func TestTOTPLoginSessionAndIdleTimeout(t *testing.T) {
	f := newGateFixture(t)
	if rec := f.do("GET", "/guard-log", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Fguard-log" {
		t.Fatalf("no session: %d to %q, want 303 to the login page", rec.Code, rec.Header().Get("Location"))
	}
	if rec := f.do("GET", "/api/reports", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("API without session: %d, want 401", rec.Code)
	}

	code := f.code(t, f.clock.now())
	rec := f.do("POST", "/login/totp", url.Values{"name": {"sam"}, "code": {code}, "next": {"/guard-log"}})
	c := sessionCookie(rec)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/guard-log" || c == nil {
		t.Fatalf("login: %d to %q, cookie %v; want 303 to /guard-log with a session", rec.Code, rec.Header().Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
		t.Errorf("cookie HttpOnly %v SameSite %v Secure %v; want true, Strict, false without TLS", c.HttpOnly, c.SameSite, c.Secure)
	}
	if got := f.do("GET", "/guard-log", nil, c).Body.String(); got != "hello sam security" {
		t.Errorf("with session: %q, want hello sam security", got)
	}

	// The same code is refused a second time (RFC 6238 §5.2).
	if rec := f.do("POST", "/login/totp", url.Values{"name": {"sam"}, "code": {code}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("replayed code: %d, want 401", rec.Code)
	}

	// Idle for the timeout: the session is gone.
	f.clock.add(DefaultIdleTimeout)
	if rec := f.do("GET", "/guard-log", nil, c); rec.Code != http.StatusSeeOther {
		t.Errorf("after idle timeout: %d, want 303 to login", rec.Code)
	}
	if strings.Contains(f.access.String(), f.secret) || strings.Contains(f.access.String(), code) {
		t.Error("access log holds the TOTP secret or a code")
	}
}

func TestFailuresThrottledAndLogged(t *testing.T) {
	f := newGateFixture(t)
	bad := url.Values{"name": {"sam"}, "code": {"000000"}}
	var codes []int
	for range 4 {
		codes = append(codes, f.do("POST", "/login/totp", bad).Code)
	}
	// Even the right code waits once the allowance is used up.
	good := url.Values{"name": {"sam"}, "code": {f.code(t, f.clock.now())}}
	codes = append(codes, f.do("POST", "/login/totp", good).Code)
	want := []int{401, 401, 401, 429, 429}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("statuses %v, want %v", codes, want)
		}
	}
	f.clock.add(time.Minute)
	good = url.Values{"name": {"sam"}, "code": {f.code(t, f.clock.now())}}
	if rec := f.do("POST", "/login/totp", good); rec.Code != http.StatusSeeOther {
		t.Errorf("right code a minute later: %d, want 303", rec.Code)
	}

	log := f.access.String()
	for _, want := range []string{`"outcome":"failure","reason":"wrong name or code"`, `"reason":"throttled"`,
		`"method":"totp","client":"192.0.2.1","user":"sam","outcome":"success"`} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %s:\n%s", want, log)
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/reports", "/reports"}, {"/guard-log?decision=reject", "/guard-log?decision=reject"},
		{"//evil.example", "/"}, {"https://evil.example", "/"}, {"/\\evil", "/"}, {"", "/"}, {"/login", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewRefusesIPRelyingParty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.toml")
	if _, err := AddUser(path, "a", Auditor, "http://localhost:8443", time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	store, _ := OpenStore(path)
	if _, err := New(Config{Users: store, RPID: "127.0.0.1", Origins: []string{"http://127.0.0.1:1"}}); err == nil {
		t.Error("New with an IP address as relying party ID succeeded, want an error")
	}
}
