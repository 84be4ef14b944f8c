// Package browser drives the low-side portal in Debian's chromium over
// the DevTools protocol: login with a virtual WebAuthn authenticator and
// with a TOTP code, reports, downloads, the guard log filter and the
// Content-Security-Policy. The portal runs in-process on 127.0.0.1 over
// the report fixture; the browser reaches it as http://localhost:PORT,
// because WebAuthn refuses an IP address as relying party ID.
package browser

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/portal/login"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

// browserTimeout bounds one test's browser session.
const browserTimeout = 45 * time.Second

// chromiumPath returns the browser to drive ($BASTION_CHROMIUM, default
// /usr/bin/chromium). A missing browser skips the test, or fails it when
// CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("BASTION_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		msg := fmt.Sprintf("chromium not found at %s (apt-get install -y chromium, or set BASTION_CHROMIUM)", p)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// site is a portal served in-process with login required.
type site struct {
	origin     string // http://localhost:PORT
	users      string // users file path
	reportsDir string // the daily reports as written to disk
	access     *syncBuffer
	invites    map[string]*login.Invitation
	guardLog   string // guard log file path
}

// newSite serves the portal over the standard report fixture and a guard
// log with one rejection, with users rita (regulator), ada (auditor)
// and sam (security) enrolled.
func newSite(t *testing.T) *site {
	t.Helper()
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	return newSiteOver(t, dir, nil)
}

// newSiteOver is newSite over the export directory dir, with verify (when
// not nil) re-verifying checkpoint signatures.
func newSiteOver(t *testing.T, dir report.ExportDir, verify func([]byte) error) *site {
	t.Helper()
	exp := report.NewExport(dir, nil)
	if _, err := exp.Refresh(); err != nil {
		t.Fatal(err)
	}
	s := &site{reportsDir: t.TempDir(), access: &syncBuffer{}, invites: map[string]*login.Invitation{},
		users: filepath.Join(t.TempDir(), "users.toml"), guardLog: writeGuardLog(t)}
	if _, err := exp.Snapshot().WriteFiles(s.reportsDir); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.origin = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	for name, role := range map[string]login.Role{"rita": login.Regulator, "ada": login.Auditor, "sam": login.Security} {
		inv, err := login.AddUser(s.users, name, role, s.origin, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		s.invites[name] = inv
	}
	store, err := login.OpenStore(s.users)
	if err != nil {
		t.Fatal(err)
	}
	gate, err := login.New(login.Config{Users: store, RPID: "localhost", Origins: []string{s.origin}, AccessLog: s.access})
	if err != nil {
		t.Fatal(err)
	}
	srv := portal.New(portal.Config{Export: exp, Dir: dir, GuardLog: guardlog.New(s.guardLog, 0),
		AccessLog: s.access, Auth: gate.Middleware, Verify: verify})
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	return s
}

// code returns the current TOTP code of user name.
func (s *site) code(t *testing.T, name string) string {
	t.Helper()
	key, err := otp.NewKeyFromURL(s.invites[name].TOTPURI)
	if err != nil {
		t.Fatal(err)
	}
	c, err := totp.GenerateCode(key.Secret(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeGuardLog writes a chained guard log: batches 1, 2 and 4 published,
// batch 3 rejected at the signature stage.
func writeGuardLog(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	prev := guardlog.GenesisHash
	lines := []struct {
		batch  uint64
		stage  string
		d      guardlog.Decision
		reason string
	}{
		{1, "publish", guardlog.Accept, ""}, {2, "publish", guardlog.Accept, ""},
		{3, "signature", guardlog.Reject, "signature does not verify"}, {4, "publish", guardlog.Accept, ""},
	}
	for i, l := range lines {
		raw, h := guardlog.Encode(guardlog.Line{Time: time.Date(2012, 6, 22, 10, 0, i, 0, time.UTC),
			Seq: uint64(i + 1), BatchSeq: l.batch, Stage: l.stage, Decision: l.d, Reason: l.reason, Prev: prev})
		b.Write(raw)
		b.WriteByte('\n')
		prev = h
	}
	path := filepath.Join(t.TempDir(), "guard.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is an access log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// console collects what the page reported as errors or warnings:
// console.error and console.warn, uncaught exceptions, and browser log
// entries such as CSP violations and failed loads.
type console struct {
	mu     sync.Mutex
	errors []string
}

func (c *console) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, s)
}

// take returns and forgets the errors collected so far.
func (c *console) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.errors
	c.errors = nil
	return e
}

// follow collects the messages of tab until its context ends.
func (c *console) follow(tab context.Context) {
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
				c.add(m.String() + " " + m.URL)
			}
		}
	}()
}

// newBrowser starts chromium with a fresh profile and returns a tab
// context and its console.
func newBrowser(t *testing.T) (context.Context, *console) {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("failed to start chromium: %v", err)
	}
	con := &console{}
	con.follow(tab)
	return tab, con
}

// run runs actions, failing the test with what on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action and returns its value, failing the test with what
// on error.
//
// A question put while a navigation replaces the document can find its node
// or its execution context gone; such an error is asked again, for up to
// five seconds, on the new document.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := chromedp.Run(ctx, a)
		if err == nil {
			return v
		}
		if !documentReplaced(err) || time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// documentReplaced reports whether err says the page changed under the
// question rather than that the question failed.
func documentReplaced(err error) bool {
	s := err.Error()
	return strings.Contains(s, "No node with given id") ||
		strings.Contains(s, "Execution context was destroyed") ||
		strings.Contains(s, "Cannot find context with specified id")
}

// waitPath waits until the tab's path and query equal want. It asks
// again after an error, because a navigation under way destroys the
// page the question was put to.
func waitPath(want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(10 * time.Second)
		var last string
		for time.Now().Before(deadline) {
			loc, err := chromedp.Location()(ctx, t)
			if err == nil {
				u, perr := url.Parse(loc)
				if perr == nil && u.RequestURI() == want {
					return nil
				}
				last = loc
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		return fmt.Errorf("page is %s, want path %s", last, want)
	})
}

// loginWithCode logs name in on the login page with a TOTP code and
// waits for the page it was sent to.
func (s *site) loginWithCode(t *testing.T, ctx context.Context, name, next string) {
	t.Helper()
	run(t, ctx, "log in with a code as "+name,
		chromedp.Navigate(s.origin+next),
		waitPath("/login?next="+url.QueryEscape(next)),
		chromedp.SendKeys(chromedp.CSS(`#code-login input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`#code-login input[name=code]`), s.code(t, name)),
		chromedp.Click(chromedp.CSS(`#code-login button`)),
		waitPath(next),
		chromedp.WaitVisible(chromedp.CSS(`#who`)),
	)
}

// noConsoleErrors fails the test for any error the page reported.
func noConsoleErrors(t *testing.T, con *console, where string) {
	t.Helper()
	for _, e := range con.take() {
		t.Errorf("%s: browser reported %s", where, e)
	}
}
