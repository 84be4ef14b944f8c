package bundle_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bastion/low-side/bundle"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

func needBzip2(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bzip2"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bzip2 is not installed (Debian package bzip2)")
		}
		t.Skip("bzip2 is not installed (apt-get install -y bzip2)")
	}
}

var testKey = func() *bundle.Key {
	k, err := bundle.GenerateKey("guard-report")
	if err != nil {
		panic(err)
	}
	return k
}()

// output builds the report of kind for date from the regulatory fixture.
func output(t *testing.T, kind report.Kind, date string) *report.Output {
	t.Helper()
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.RegulatoryBatches()...)
	day, err := report.CollectDay(dir, date)
	if err != nil {
		t.Fatal(err)
	}
	out, err := report.Build(kind, day, report.Options{CAT: report.DefaultCATConfig(testKey.FDIDKey()),
		SelfCheck: report.SelfCheck{Key: "high-side", OK: true}, Capital: reporttest.Capital("1000000.00", "0"),
		GuardLog: reporttest.GuardEvents(date, 1, "accept", "reject")})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, root string, kind report.Kind, date string) string {
	t.Helper()
	dir, err := bundle.Write(root, output(t, kind, date), testKey)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func verify(t *testing.T, dir string) *bundle.Result {
	t.Helper()
	r, err := bundle.Verify(dir, testKey.Name(), testKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWriteVerify(t *testing.T) {
	needBzip2(t)
	for _, k := range report.Kinds {
		t.Run(string(k), func(t *testing.T) {
			dir := write(t, t.TempDir(), k, reporttest.Day1)
			r := verify(t, dir)
			if !r.OK() || !r.Signed || r.Files != len(r.Manifest.Files) {
				t.Fatalf("fresh bundle: %+v, want signed and every file verified", r.Problems)
			}
			if r.Manifest.Ledger != (report.Range{First: 0, Last: 10}) || r.Manifest.Checkpoint.Size != 11 {
				t.Errorf("manifest cites ledger %v, checkpoint %+v", r.Manifest.Ledger, r.Manifest.Checkpoint)
			}
			if _, err := bundle.Write(filepath.Dir(dir), output(t, k, reporttest.Day1), testKey); !errors.Is(err, bundle.ErrExists) {
				t.Errorf("second Write = %v, want ErrExists", err)
			}
		})
	}
}

// flip changes one byte of a bundle file in place.
func flip(t *testing.T, path string, at func(b []byte) int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[at(b)] ^= 0x01
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFlippedByte flips one byte in each kind of file and checks that the
// first problem names that file.
func TestFlippedByte(t *testing.T) {
	needBzip2(t)
	mid := func(b []byte) int { return len(b) / 2 }
	tests := []struct {
		name, file string
		at         func([]byte) int
		detail     string
	}{
		{"CAT data", "100000_BSTN_20120621_OrderEvents_000001.json.bz2", mid, "SHA-256"},
		{"CAT metadata", "100000_BSTN_20120621_OrderEvents_000001.meta.json", mid, "SHA-256"},
		{"JSON", "cat-2012-06-21-summary.json", mid, "SHA-256"},
		{"CSV", "cat-2012-06-21-summary.csv", mid, "SHA-256"},
		{"PDF", "cat-2012-06-21-summary.pdf", mid, "SHA-256"},
		{"manifest", bundle.ManifestFile, func(b []byte) int { return bytes.Index(b, []byte(`"ledger"`)) + 2 }, "altered after signing"},
		{"manifest ledger digit", bundle.ManifestFile, func(b []byte) int { return bytes.Index(b, []byte(`"last": 10`)) + 9 }, "altered after signing"},
		{"signature bytes", bundle.SignatureFile, func(b []byte) int { return len(b) - 40 }, ""},
		{"signature manifest hash", bundle.SignatureFile, func(b []byte) int {
			return bytes.LastIndexByte(b, ' ') - 5
		}, "manifest hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, t.TempDir(), report.KindCAT, reporttest.Day1)
			flip(t, filepath.Join(dir, tt.file), tt.at)
			r := verify(t, dir)
			if r.OK() {
				t.Fatal("a flipped byte was not detected")
			}
			if p := r.Problems[0]; p.File != tt.file || !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("first problem = %v, want one naming %s (%q)", p, tt.file, tt.detail)
			}
		})
	}
}

func TestVerifyOther(t *testing.T) {
	needBzip2(t)
	other, _ := bundle.GenerateKey("other")
	tests := []struct {
		name   string
		tamper func(dir string)
		file   string
	}{
		{"extra file", func(dir string) { os.WriteFile(filepath.Join(dir, "x.csv"), nil, 0o644) }, "x.csv"},
		{"missing file", func(dir string) { os.Remove(filepath.Join(dir, "surveillance-2012-06-21.pdf")) }, "surveillance-2012-06-21.pdf"},
		{"no signature", func(dir string) { os.Remove(filepath.Join(dir, bundle.SignatureFile)) }, bundle.SignatureFile},
		{"signed by another key", func(dir string) {
			mb, _ := os.ReadFile(filepath.Join(dir, bundle.ManifestFile))
			sig, _ := bundle.SignManifest(mb, other)
			os.Chmod(filepath.Join(dir, bundle.SignatureFile), 0o644)
			os.WriteFile(filepath.Join(dir, bundle.SignatureFile), sig, 0o644)
		}, bundle.SignatureFile},
		{"signed manifest names another key", func(dir string) {
			mb, _ := os.ReadFile(filepath.Join(dir, bundle.ManifestFile))
			m, _ := bundle.ParseManifest(mb)
			m.Key.Name = "other"
			mb, _ = m.Marshal()
			sig, _ := bundle.SignManifest(mb, testKey)
			for name, b := range map[string][]byte{bundle.ManifestFile: mb, bundle.SignatureFile: sig} {
				os.Chmod(filepath.Join(dir, name), 0o644)
				os.WriteFile(filepath.Join(dir, name), b, 0o644)
			}
		}, bundle.ManifestFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, t.TempDir(), report.KindSurveillance, reporttest.Day1)
			tt.tamper(dir)
			r := verify(t, dir)
			if r.OK() || r.Problems[0].File != tt.file {
				t.Fatalf("problems = %v, want the first naming %s", r.Problems, tt.file)
			}
		})
	}
}

// TestDeterministic writes the same bundle into two folders: every file
// but the signature is byte-identical.
func TestDeterministic(t *testing.T) {
	needBzip2(t)
	for _, k := range report.Kinds {
		a := write(t, t.TempDir(), k, reporttest.Day1)
		b := write(t, t.TempDir(), k, reporttest.Day1)
		ents, _ := os.ReadDir(a)
		for _, e := range ents {
			x, _ := os.ReadFile(filepath.Join(a, e.Name()))
			y, err := os.ReadFile(filepath.Join(b, e.Name()))
			same := err == nil && bytes.Equal(x, y)
			if same == (e.Name() == bundle.SignatureFile) {
				t.Errorf("%s/%s: identical=%v, want %v", k, e.Name(), same, !same)
			}
		}
	}
}

// TestLink checks the previous-bundle link and that a missing day shows.
func TestLink(t *testing.T) {
	needBzip2(t)
	root := t.TempDir()
	d1 := write(t, root, report.KindControls, reporttest.Day1)
	d2 := write(t, root, report.KindControls, reporttest.Day2)
	r := verify(t, d2)
	if p := r.Manifest.Previous; p == nil || p.Bundle != "15c3-5-2012-06-21" || p.LedgerLast != 10 {
		t.Fatalf("link = %+v, want the Day1 bundle ending at ledger index 10", p)
	}
	r.CheckLink(d1)
	if !r.OK() {
		t.Fatalf("link to the genuine previous bundle: %v", r.Problems)
	}

	// Day2 without Day1's bundle in place: the day before it is missing.
	lone := write(t, t.TempDir(), report.KindControls, reporttest.Day2)
	r = verify(t, lone)
	r.CheckLink(d1)
	if r.OK() || !strings.Contains(r.Problems[0].Detail, "names no previous bundle") {
		t.Fatalf("problems = %v, want the missing link", r.Problems)
	}

	// A replaced previous bundle no longer matches the recorded hash.
	os.Chmod(filepath.Join(d1, bundle.ManifestFile), 0o644)
	mb, _ := os.ReadFile(filepath.Join(d1, bundle.ManifestFile))
	os.WriteFile(filepath.Join(d1, bundle.ManifestFile), bytes.Replace(mb, []byte(`"last": 10`), []byte(`"last": 9`), 1), 0o644)
	r = verify(t, d2)
	r.CheckLink(d1)
	if r.OK() || !strings.Contains(r.Problems[0].Detail, "manifest SHA-256") {
		t.Fatalf("problems = %v, want a manifest hash mismatch", r.Problems)
	}
}

func TestMissingDayDetected(t *testing.T) {
	m := &bundle.Manifest{Format: bundle.Format, Kind: "15c3-5", Date: "2012-06-23",
		Ledger: report.Range{First: 20, Last: 30}}
	root := t.TempDir()
	prev := filepath.Join(root, "15c3-5-2012-06-21")
	os.MkdirAll(prev, 0o755)
	pm := &bundle.Manifest{Format: bundle.Format, Kind: "15c3-5", Date: "2012-06-21",
		Ledger: report.Range{First: 0, Last: 10}, Files: []bundle.Entry{}}
	pb, _ := pm.Marshal()
	os.WriteFile(filepath.Join(prev, bundle.ManifestFile), pb, 0o644)
	link, err := bundle.LinkTo(prev)
	if err != nil {
		t.Fatal(err)
	}
	m.Previous = link
	r := &bundle.Result{Manifest: m}
	r.CheckLink(prev)
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Detail, "11 to 19") {
		t.Fatalf("problems = %v, want ledger 11 to 19 in no bundle", r.Problems)
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard-report.key")
	if err := bundle.WriteKeyFile(path, testKey); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k, err := bundle.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().Equal(testKey.Public()) || !bytes.Equal(k.FDIDKey(), testKey.FDIDKey()) {
		t.Error("reloaded key differs")
	}
	sig, err := k.Sign([]byte("m"), []byte("c"))
	if err != nil || testKey.Public().Verify([]byte("m"), []byte("c"), sig) != nil {
		t.Errorf("reloaded key's signature does not verify: %v", err)
	}
	if err := bundle.WriteKeyFile(path, testKey); err == nil {
		t.Error("WriteKeyFile replaced an existing file")
	}
	os.Chmod(path, 0o644)
	if _, err := bundle.LoadKey(path); !errors.Is(err, bundle.ErrKeyFile) {
		t.Errorf("LoadKey of a 0644 file = %v, want ErrKeyFile", err)
	}
}

func FuzzParseKey(f *testing.F) {
	text, _ := testKey.MarshalText()
	f.Add(text)
	f.Add([]byte("bastion-report-key v1\nname x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := bundle.ParseKey(b)
		if err != nil {
			return
		}
		again, err := k.MarshalText()
		if err != nil || !bytes.Equal(bytes.TrimSuffix(again, []byte("\n")), bytes.TrimSuffix(b, []byte("\n"))) {
			t.Fatalf("re-encoding %q gave %q", b, again)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	m := bundle.NewManifest(&report.Output{Kind: report.KindCAT, Coverage: report.Coverage{Date: "2012-06-21"},
		Files: []report.OutputFile{{Name: "a.json", Data: []byte("{}")}}}, nil, testKey.Public(), "guard-report")
	b, _ := m.Marshal()
	f.Add(b)
	f.Add([]byte(`{"format":"bastion-report-bundle-v1","files":[{"name":"../x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := bundle.ParseManifest(b)
		if err != nil {
			return
		}
		for _, e := range m.Files {
			if !bundle.ValidFileName(e.Name) {
				t.Fatalf("accepted file name %q", e.Name)
			}
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	sig, _ := bundle.SignManifest([]byte("m"), testKey)
	f.Add(sig)
	f.Add([]byte("bastion-bundle-sig-v1 a b c d\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := bundle.ParseSignature(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Marshal(), b) {
			t.Fatalf("re-encoding %q gave %q", b, s.Marshal())
		}
	})
}

// TestEverySignatureByte flips each byte of a real manifest.sig, one at a
// time, and demands that each flip fails verification with a problem
// naming manifest.sig. Every byte is xored with 0x01 ("guard-report"
// becomes "guard-seport"); the fields before the signature also with 0x20
// ("Guard-report", another valid key name; upper-case hex).
func TestEverySignatureByte(t *testing.T) {
	dir := write(t, t.TempDir(), report.KindControls, reporttest.Day1)
	path := filepath.Join(dir, bundle.SignatureFile)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	sigStart := bytes.LastIndexByte(orig, ' ') + 1
	for i := range orig {
		masks := []byte{0x01}
		if i < sigStart {
			masks = append(masks, 0x20)
		}
		for _, mask := range masks {
			b := bytes.Clone(orig)
			b[i] ^= mask
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			r := verify(t, dir)
			if r.OK() || r.Signed || r.Problems[0].File != bundle.SignatureFile {
				t.Fatalf("byte %d of %q xor %#02x: signed %v, problems %v; want a failure naming %s",
					i, orig[max(0, i-8):min(len(orig), i+8)], mask, r.Signed, r.Problems, bundle.SignatureFile)
			}
		}
	}
}
