package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"bastion/low-side/portal/login"
)

// addAuthenticator attaches a CTAP2 platform authenticator to the tab
// that verifies its user (PIN or biometric) whenever asked.
func addAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	off := false
	run(t, ctx, "add virtual authenticator", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: &off}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true,
				AutomaticPresenceSimulation: true,
			}})
		return err
	}))
}

// accessRecord is a login line of the access log.
type accessRecord struct {
	Msg, Event, Method, User, Outcome, Reason string
}

func loginRecords(t *testing.T, log string) []accessRecord {
	t.Helper()
	var out []accessRecord
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var r accessRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		if r.Msg == "login" {
			out = append(out, r)
		}
	}
	return out
}

func TestWebAuthnRegisterThenLogin(t *testing.T) {
	s := newSite(t)
	ctx, con := newBrowser(t)
	addAuthenticator(t, ctx)

	// Register with the one-time link, then log in with the key.
	run(t, ctx, "register and log in",
		chromedp.Navigate(s.invites["rita"].Link),
		chromedp.WaitVisible(chromedp.CSS(`#enrol button`)),
		chromedp.Click(chromedp.CSS(`#enrol button`)),
		waitPath("/login?done=registered"),
		chromedp.SendKeys(chromedp.CSS(`#key-login input[name=name]`), "rita"),
		chromedp.Click(chromedp.CSS(`#key-login button`)),
		waitPath("/"),
	)
	if who := get(t, ctx, "who", chromedp.Text(chromedp.CSS(`#who span`))); who != "rita (regulator)" {
		t.Errorf("signed in as %q, want %q", who, "rita (regulator)")
	}
	noConsoleErrors(t, con, "register and log in")

	// The users file holds one user-verified key and no pending token.
	f, _, err := login.ReadUsers(s.users)
	if err != nil {
		t.Fatal(err)
	}
	u := f.Find("rita")
	if len(u.Credentials) != 1 || !u.Credentials[0].UserVerified || u.Enrolment != nil {
		t.Errorf("rita after registration: %d keys, enrolment %v; want 1 user-verified key, none pending",
			len(u.Credentials), u.Enrolment)
	}

	// The token works once only.
	run(t, ctx, "reuse the registration link",
		chromedp.Navigate(s.invites["rita"].Link),
		chromedp.WaitVisible(chromedp.CSS(`#enrol button`)),
		chromedp.Click(chromedp.CSS(`#enrol button`)),
		chromedp.WaitVisible(chromedp.CSS(`#status`)),
	)
	if problem := get(t, ctx, "status", chromedp.Text(chromedp.CSS(`#status`))); !strings.Contains(problem, "Registration refused") {
		t.Errorf("second use of the link: status %q, want a refusal", problem)
	}
	con.take() // the refused request is logged as a failed load, as it should be

	want := []accessRecord{
		{Msg: "login", Event: "enrol", Method: "webauthn", User: "rita", Outcome: "success"},
		{Msg: "login", Event: "login", Method: "webauthn", User: "rita", Outcome: "success"},
		{Msg: "login", Event: "enrol", Method: "webauthn", User: "rita", Outcome: "failure", Reason: "no security key registration pending"},
	}
	got := loginRecords(t, s.access.String())
	if len(got) != len(want) {
		t.Fatalf("login records %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("login record %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestTOTPLoginAndGuardLogFilter(t *testing.T) {
	s := newSite(t)
	ctx, con := newBrowser(t)
	s.loginWithCode(t, ctx, "sam", "/guard-log")

	// Filter on rejections: only batch 3's line is left.
	run(t, ctx, "filter the guard log",
		chromedp.SetValue(chromedp.CSS(`#filters select[name=decision]`), "reject"),
		chromedp.Click(chromedp.CSS(`#filters button`)),
		waitPath("/guard-log?decision=reject&stage=&from=&to=&text="),
	)
	rows := get(t, ctx, "rows", chromedp.Text(chromedp.CSS(`#rows`)))
	if !strings.Contains(rows, "signature does not verify") || strings.Contains(rows, "publish") {
		t.Errorf("rejection rows:\n%s\nwant the signature rejection only", rows)
	}
	nav := get(t, ctx, "nav", chromedp.Text(chromedp.CSS(`header nav`)))
	if strings.Contains(nav, "Daily reports") || !strings.Contains(nav, "Guard log") {
		t.Errorf("security staff nav %q, want the guard log and no reports", nav)
	}
	noConsoleErrors(t, con, "guard log")

	// A report is not for security staff.
	run(t, ctx, "open a report as security", chromedp.Navigate(s.origin+"/reports/2012-06-21"))
	if body := get(t, ctx, "body", chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(body, "your role may not see this page") {
		t.Errorf("report page for security staff: %q, want a refusal", body)
	}
	con.take()

	want := accessRecord{Msg: "login", Event: "login", Method: "totp", User: "sam", Outcome: "success"}
	if got := loginRecords(t, s.access.String()); len(got) != 1 || got[0] != want {
		t.Errorf("login records %+v, want [%+v]", got, want)
	}
}

func TestOpenAndDownloadReport(t *testing.T) {
	s := newSite(t)
	ctx, con := newBrowser(t)
	s.loginWithCode(t, ctx, "ada", "/reports")

	run(t, ctx, "open a report",
		chromedp.Click(chromedp.CSS(`a[href="/reports/2012-06-21"]`)),
		waitPath("/reports/2012-06-21"),
	)
	if h := get(t, ctx, "heading", chromedp.Text(chromedp.CSS(`h1`))); h != "Daily report 2012-06-21" {
		t.Errorf("heading %q, want %q", h, "Daily report 2012-06-21")
	}

	got := download(t, ctx, `a[href="/reports/2012-06-21.csv"]`)
	want, err := os.ReadFile(filepath.Join(s.reportsDir, "daily-2012-06-21.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("downloaded %d bytes, want the %d bytes of daily-2012-06-21.csv", len(got), len(want))
	}
	noConsoleErrors(t, con, "report and download")
}

// download clicks the link sel and returns the bytes the browser saved.
func download(t *testing.T, ctx context.Context, sel string) []byte {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	on := true
	run(t, ctx, "download "+sel,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &on,
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(sel)),
	)
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download of %s: %v", sel, err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("download of %s did not complete", sel)
	return nil
}

func TestCSPBlocksNothingThePortalNeeds(t *testing.T) {
	s := newSite(t)
	ctx, con := newBrowser(t)

	// The collector sees a CSP block: an inline script is refused.
	run(t, ctx, "inline script",
		chromedp.Navigate(s.origin+"/login"),
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.createElement("script");
			e.textContent = "window.inlineRan = true"; document.body.append(e); })()`),
		chromedp.Sleep(300*time.Millisecond),
	)
	if errs := con.take(); !containsAny(errs, "Content Security Policy") {
		t.Fatalf("inline script: browser reported %q, want a CSP violation", errs)
	}

	// Every page of every role loads with no error, with htmx polling.
	pages := map[string][]string{
		"rita": {"/", "/reports", "/reports/2012-06-22", "/reports/all"},
		"sam":  {"/", "/guard-log", "/guard-log?decision=reject"},
	}
	for _, name := range []string{"rita", "sam"} {
		s.loginWithCode(t, ctx, name, "/")
		for _, p := range pages[name] {
			run(t, ctx, "open "+p,
				chromedp.Navigate(s.origin+p),
				chromedp.Sleep(1200*time.Millisecond), // let htmx poll at least once
			)
			if !get(t, ctx, "htmx", chromedp.Evaluate[bool](`typeof htmx === "object" || !document.querySelector("[hx-get]")`)) {
				t.Errorf("%s as %s: htmx did not load", p, name)
			}
			noConsoleErrors(t, con, p+" as "+name)
		}
		run(t, ctx, "log out", chromedp.Navigate(s.origin+"/"), chromedp.Click(chromedp.CSS(`#who button`)),
			waitPath("/login?done=logout"))
	}
	noConsoleErrors(t, con, "log out")
}

func containsAny(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
