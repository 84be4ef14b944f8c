package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/low-side/bundle"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/low-side/verify"
)

// bundleDir writes a 15c3-5 bundle of the regulatory fixture and returns
// its folder and the published key file.
func bundleDir(t *testing.T) (string, string) {
	t.Helper()
	tmp := t.TempDir()
	k, err := bundle.GenerateKey("guard-report")
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(tmp, "guard-report.pub")
	os.WriteFile(pub, k.PublicText(), 0o644)
	exp := reporttest.WriteExport(t, filepath.Join(tmp, "export"), reporttest.RegulatoryBatches()...)
	day, err := report.CollectDay(exp, reporttest.Day1)
	if err != nil {
		t.Fatal(err)
	}
	out, err := report.Build(report.KindControls, day, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := bundle.Write(filepath.Join(tmp, "bundles"), out, k)
	if err != nil {
		t.Fatal(err)
	}
	return dir, pub
}

func TestBundleCommand(t *testing.T) {
	dir, pub := bundleDir(t)
	var out, errb bytes.Buffer
	if code := run([]string{"bundle", dir, "--key", pub}, &out, &errb); code != verify.ExitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "verdict   OK") {
		t.Errorf("output lacks the OK verdict:\n%s", out.String())
	}
	if code := run([]string{"bundle", dir}, &out, &errb); code != verify.ExitUsage {
		t.Errorf("without --key: exit %d, want %d", code, verify.ExitUsage)
	}

	pdf := filepath.Join(dir, "15c3-5-2012-06-21.pdf")
	b, _ := os.ReadFile(pdf)
	b[len(b)/3] ^= 0x20
	os.Chmod(pdf, 0o644)
	os.WriteFile(pdf, b, 0o644)
	out.Reset()
	if code := run([]string{"bundle", dir, "--key", pub, "--json"}, &out, &errb); code != verify.ExitMismatch {
		t.Fatalf("flipped PDF: exit %d, want %d", code, verify.ExitMismatch)
	}
	if !strings.Contains(out.String(), `"file": "15c3-5-2012-06-21.pdf"`) {
		t.Errorf("JSON output does not name the PDF:\n%s", out.String())
	}
}

// TestBundleSignatureKeyName renames the key in manifest.sig by one bit,
// "guard-report" to "guard-seport": the bundle must fail, naming the file.
func TestBundleSignatureKeyName(t *testing.T) {
	dir, pub := bundleDir(t)
	sig := filepath.Join(dir, bundle.SignatureFile)
	b, _ := os.ReadFile(sig)
	i := bytes.Index(b, []byte(" guard-report ")) + 7
	b[i] ^= 0x01
	os.Chmod(sig, 0o644)
	os.WriteFile(sig, b, 0o644)
	var out, errb bytes.Buffer
	code := run([]string{"bundle", dir, "--key", pub}, &out, &errb)
	want := `manifest.sig: names the signing key "guard-seport"`
	if code != verify.ExitMismatch || !strings.Contains(out.String(), want) {
		t.Fatalf("exit %d, want %d with %q\n%s%s", code, verify.ExitMismatch, want, out.String(), errb.String())
	}
}
