package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard"
	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/low-side/verify"
	"bastion/shared/entry"
)

// guardExport runs the regulatory fixture through a real guard in three
// signed batches and returns the export directory.
func guardExport(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("bzip2"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bzip2 is not installed (Debian package bzip2)")
		}
		t.Skip("bzip2 is not installed")
	}
	dir := t.TempDir()
	hs := guardtest.New(t, "link-1")
	keyFile := filepath.Join(dir, "high-side.pub")
	os.WriteFile(keyFile, hs.KeyText(), 0o644)
	cfg := &guard.Config{Link: "link-1", HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(dir, "state"), ExportDir: filepath.Join(dir, "export")}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	entries := reporttest.RegulatoryDays()
	for _, cut := range [][2]int{{0, 7}, {7, 11}, {11, len(entries)}} {
		for _, e := range entries[cut[0]:cut[1]] {
			if e == nil {
				hs.AppendHidden(t, guardtest.Order(t, 99, entry.NewLabel(entry.Secret)))
				continue
			}
			hs.Append(t, e)
		}
		seq, raw := hs.Next(t)
		if out, err := g.Submit(seq, raw); err != nil || out == guard.Rejected {
			t.Fatalf("Submit(%d) = %v, %v", seq, out, err)
		}
	}
	return cfg.ExportDir
}

func runCmd(t *testing.T, want int, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != want {
		t.Fatalf("bastion-report %v = %d, want %d\nstdout: %s\nstderr: %s", args, code, want, out.String(), errb.String())
	}
	return out.String()
}

func TestBundleEndToEnd(t *testing.T) {
	exp := guardExport(t)
	tmp := t.TempDir()
	key, pub, out := filepath.Join(tmp, "guard-report.key"), filepath.Join(tmp, "guard-report.pub"), filepath.Join(tmp, "bundles")
	runCmd(t, 0, "keygen", "--key", key, "--pub", pub)
	runCmd(t, 1, "keygen", "--key", key, "--pub", pub+"2") // never replaces a key

	capital := filepath.Join(tmp, "capital.toml")
	os.WriteFile(capital, []byte("[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"1000000.00\"\n"), 0o600)
	guardLog := filepath.Join(filepath.Dir(exp), "state", guard.LogFile)
	for _, date := range []string{reporttest.Day1, reporttest.Day2} {
		got := runCmd(t, 0, "bundle", "--export", exp, "--date", date, "--key", key, "--out", out,
			"--capital", capital, "--guard-log", guardLog)
		if n := strings.Count(got, "\n"); n != len(report.Kinds) {
			t.Fatalf("bundle printed %d paths, want %d:\n%s", n, len(report.Kinds), got)
		}
	}
	pubText, _ := os.ReadFile(pub)
	name, pk, err := verify.ParseBundleKey(pubText)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range report.Kinds {
		prev := filepath.Join(out, string(k)+"-"+reporttest.Day1)
		r, err := verify.Bundle(filepath.Join(out, string(k)+"-"+reporttest.Day2), name, pk, prev)
		if err != nil || !r.OK() {
			t.Fatalf("verify %s: %v %v", k, err, r.Problems)
		}
	}

	// The Day2 bundle ends with the last batch: its chain hash is the
	// guard's published chain head.
	b, _ := os.ReadFile(filepath.Join(exp, export.ChainHeadFile))
	head, err := export.ParseChainHead(b)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := verify.Bundle(filepath.Join(out, "attestation-"+reporttest.Day2), name, pk, "")
	if r.Manifest.ChainHead != hex.EncodeToString(head.Chain[:]) {
		t.Errorf("manifest chain %s, guard chain head %x", r.Manifest.ChainHead, head.Chain)
	}
	var a report.Attestation
	js, _ := os.ReadFile(filepath.Join(out, "attestation-"+reporttest.Day1, "attestation-"+reporttest.Day1+".json"))
	if err := json.Unmarshal(js, &a); err != nil {
		t.Fatal(err)
	}
	if !a.SelfCheck.OK || a.SelfCheck.Batches != 3 || a.SelfCheck.LedgerSize != 14 {
		t.Errorf("self check = %+v, want OK over 3 batches, ledger size 14", a.SelfCheck)
	}

	// A bundle that exists is not replaced, and is refused before any is
	// built: one line naming every existing one, nothing written.
	day1 := func(k report.Kind) string { return string(k) + "-" + reporttest.Day1 }
	all := make([]string, len(report.Kinds))
	for i, k := range report.Kinds {
		all[i] = day1(k)
	}
	refused := []struct {
		name string
		args []string
		want []string
	}{
		{"all kinds", []string{"--capital", capital, "--guard-log", guardLog}, all},
		{"one kind", []string{"--kind", "cat"}, []string{day1(report.KindCAT)}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"bundle", "--export", exp, "--date", reporttest.Day1, "--key", key, "--out", out},
				tc.args...)
			refuseBundle(t, out, args, tc.want)
		})
	}

	// With one of two kinds existing, neither is made.
	t.Run("one of two kinds", func(t *testing.T) {
		out2 := filepath.Join(tmp, "bundles2")
		if err := os.MkdirAll(filepath.Join(out2, day1(report.KindCAT)), 0o755); err != nil {
			t.Fatal(err)
		}
		refuseBundle(t, out2, []string{"bundle", "--export", exp, "--date", reporttest.Day1, "--key", key,
			"--out", out2, "--kind", "cat,attestation"}, []string{day1(report.KindCAT)})
	})
}

// refuseBundle runs args, which must fail with exit 1 and the one line
// naming the bundles in exist, writing nothing under out.
func refuseBundle(t *testing.T, out string, args, exist []string) {
	t.Helper()
	before, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	want := "bastion-report: bundles already exist in " + out + ", none made: " + strings.Join(exist, ", ") +
		" (a bundle is never replaced)\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("got exit %d, stdout %q, stderr %q; want exit 1, no stdout, stderr %q",
			code, stdout.String(), stderr.String(), want)
	}
	after, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused bundle changed %s: %d entries before, %d after", out, len(before), len(after))
	}
}

func TestBundleUsage(t *testing.T) {
	tmp := t.TempDir()
	key := filepath.Join(tmp, "k")
	runCmd(t, 0, "keygen", "--key", key, "--pub", filepath.Join(tmp, "p"))
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-21", "--key", key, "--out", tmp, "--kind", "nosuch")
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-21", "--key", key, "--out", tmp, "--kind", "basel")
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-21", "--key", key, "--out", tmp, "--kind", "sox")
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-31", "--key", key, "--out", tmp)
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "yesterday", "--key", key, "--out", tmp)
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-21", "--key", key, "--out", key)
	bad := filepath.Join(tmp, "capital.toml")
	os.WriteFile(bad, []byte("[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"-5\"\n"), 0o600)
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-21", "--key", key, "--out", tmp, "--capital", bad)
	os.Chmod(key, 0o644)
	runCmd(t, 2, "bundle", "--export", tmp, "--date", "2012-06-21", "--key", key, "--out", tmp)
}
