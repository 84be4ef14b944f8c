package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
)

// exportDir publishes one genuine batch with the export package, as the
// guard does, and returns the directory and the key file.
func exportDir(t *testing.T) (string, string) {
	t.Helper()
	dir, key, _ := exportHighSide(t)
	return dir, key
}

// exportHighSide is exportDir that also returns the high side.
func exportHighSide(t *testing.T) (string, string, *guardtest.HighSide) {
	t.Helper()
	tmp := t.TempDir()
	hs := guardtest.New(t, "link-1")
	hs.Append(t, guardtest.Order(t, 1, guardtest.Releasable))
	seq, raw := hs.Next(t)
	d, err := export.Create(filepath.Join(tmp, "export"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := batch.Parse(raw, batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	head := export.ChainHead{Records: 1, Seq: 1, Size: 1, Root: hs.Root(t, 1),
		Chain: export.NextChain(export.GenesisChain(), seq, raw, b.Checkpoint)}
	if err := d.Publish([]export.Published{{File: export.File{Seq: seq}, Data: raw}}, b.Checkpoint, head); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(tmp, "high-side.pub")
	os.WriteFile(keyFile, hs.KeyText(), 0o644)
	return d.Root(), keyFile, hs
}

func TestExitCodes(t *testing.T) {
	dir, key := exportDir(t)
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"no key flag", []string{"archive", dir}, verify.ExitUsage, ""},
		{"no command", nil, verify.ExitUsage, ""},
		{"unknown command", []string{"bogus"}, verify.ExitUsage, ""},
		{"unreadable key", []string{"archive", dir, "--key", dir}, verify.ExitUsage, ""},
		{"missing dir", []string{"archive", filepath.Join(dir, "nope"), "--key", key}, verify.ExitIO, ""},
		{"good", []string{"archive", dir, "--key", key}, verify.ExitOK, "verdict   OK"},
		{"flags first", []string{"archive", "--key", key, dir}, verify.ExitOK, "verdict   OK"},
		{"cosignatures not checked", []string{"archive", dir, "--key", key}, verify.ExitOK,
			"\ncosigners not checked (no cosigner key given)\n"},
		{"tampered", []string{"archive", dir, "--key", key}, verify.ExitMismatch, "signature: batch 1"},
		{"chain head missing", []string{"archive", dir, "--key", key}, verify.ExitMismatch, "chain-head file missing"},
		{"chain head malformed", []string{"archive", dir, "--key", key}, verify.ExitMismatch,
			". head: malformed chain head: want"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch tt.name {
			case "tampered":
				p := export.BatchPath(dir, 1)
				b, _ := os.ReadFile(p)
				b[bytes.Index(b, []byte(`"qty":`))+6] ^= 2 // 1 becomes 3: still an entry
				os.Chmod(p, 0o644)
				os.WriteFile(p, b, 0o644)
			case "chain head missing":
				os.Remove(filepath.Join(dir, export.ChainHeadFile))
			case "chain head malformed":
				os.WriteFile(filepath.Join(dir, export.ChainHeadFile), []byte("not a chain head\n"), 0o644)
			}
			var out, errOut bytes.Buffer
			if got := run(tt.args, &out, &errOut); got != tt.want || !strings.Contains(out.String(), tt.out) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", got, tt.want, out.String(), errOut.String())
			}
		})
	}
}

func TestJSONReport(t *testing.T) {
	dir, key := exportDir(t)
	var out, errOut bytes.Buffer
	code := run([]string{"archive", dir, "--key", key, "--json"}, &out, &errOut)
	var rep verify.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if code != verify.ExitOK || rep.Batches != 1 || rep.Size != 1 || len(rep.Problems) != 0 {
		t.Fatalf("exit %d, report %+v; want exit 0, one batch, size 1, no problems", code, rep)
	}
}

func TestIndependentCheckpoint(t *testing.T) {
	dir, key, hs := exportHighSide(t)
	hs.Append(t, guardtest.Order(t, 2, guardtest.Releasable)) // published on the high side, not here
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	atEnd, beyond := write("at-end.cp", hs.Note(t, 1)), write("beyond.cp", hs.Note(t, 2))
	other := write("other.cp", guardtest.New(t, "link-1").Note(t, 0))
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"checkpoint at the end", []string{"--checkpoint", atEnd}, verify.ExitOK, "verdict   OK"},
		{"checkpoint beyond the end", []string{"--checkpoint", beyond}, verify.ExitMismatch,
			"archive ends at size 1, but the signed checkpoint from " + beyond + " covers 2"},
		{"both", []string{"--checkpoint", atEnd, "--checkpoint", beyond}, verify.ExitMismatch, "FAILED: 1 problem\n"},
		{"checkpoint of another key", []string{"--checkpoint", other}, verify.ExitUsage, ""},
		{"missing checkpoint file", []string{"--checkpoint", filepath.Join(tmp, "nope")}, verify.ExitUsage, ""},
		{"min size reached", []string{"--min-size", "1"}, verify.ExitOK, "verdict   OK"},
		{"min size beyond", []string{"--min-size", "2"}, verify.ExitMismatch, "--min-size requires 2"},
		{"help", []string{"--help"}, verify.ExitOK, "cannot prove its own end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"archive", dir, "--key", key}, tt.args...)
			if got := run(args, &out, &errOut); got != tt.want || !strings.Contains(out.String(), tt.out) {
				t.Fatalf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", got, tt.want, tt.out, out.String(), errOut.String())
			}
		})
	}
}
