//go:build integration

package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	firmwareconfig "bastion/firmware-config"
	"bastion/guard/export"
	"bastion/high-side/cosign"
	"bastion/high-side/hsm"
	"bastion/shared/batch"
	"bastion/shared/entry"
	"bastion/shared/merkle"
	"bastion/test/appliance"
)

// TestApplianceEndToEnd runs the whole appliance on loopback (ceremony,
// three Raft nodes, the link losing 2 % of datagrams, guard, portal) on a
// slice of every real input, and checks what crossed.
func TestApplianceEndToEnd(t *testing.T) {
	data := dataDir(t)
	cfg, err := firmwareconfig.Parse("appliance.toml", firmwareconfig.Default)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	in, err := appliance.LoadInput(data, 1500)
	must(t, err)
	a := startAppliance(ctx, t, appliance.Options{Bin: bins(t), State: t.TempDir(), Data: data, Config: cfg})

	var tally appliance.Tally
	must(t, a.Replay(ctx, in, &tally))
	st, head, err := a.WaitExported(ctx, 3*time.Minute)
	must(t, err)
	sum, err := a.Summarise(st, head, &tally, in)
	must(t, err)

	if sum.HighRoot != sum.LowRoot || sum.LedgerSize != head.Size {
		t.Errorf("high side %d entries root %s, low side %d entries root %s",
			sum.LedgerSize, sum.HighRoot, head.Size, sum.LowRoot)
	}
	if sum.BatchesAccepted != sum.BatchesSent || sum.Gaps != 0 || sum.BatchesRejected != 0 {
		t.Errorf("batches sent %d, accepted %d, rejected %d, gaps %d; want all accepted, none rejected, no gap",
			sum.BatchesSent, sum.BatchesAccepted, sum.BatchesRejected, sum.Gaps)
	}
	if got, want := tally.Submitted.Load(), int64(in.Total()); got != want {
		t.Errorf("got %d receipts, want %d", got, want)
	}
	if sum.Decisions["reject"] == 0 || sum.Decisions["accept"] == 0 {
		t.Errorf("decisions %v: want both accepted and rejected submissions", sum.Decisions)
	}

	// Every recorded entry is in the archive, in full, at its ledger index.
	archived := archivedEntries(t, a.Layout.ExportDir())
	for id, idx := range tally.Recorded() {
		e, ok := archived[idx]
		if !ok {
			t.Errorf("entry %s (index %d) is not in the archive", id, idx)
			continue
		}
		if e.ID != id {
			t.Errorf("archive index %d holds %s, want %s", idx, e.ID, id)
		}
	}

	// The key ceremony's transcript opens the ledger, and being labelled
	// secret/keys it crossed as leaf hashes only.
	steps, err := hsm.CeremonySteps(a.Layout.HSMDir())
	must(t, err)
	if got := hashOnlyPrefix(t, a.Layout.ExportDir()); got != len(steps) {
		t.Errorf("the archive opens with %d hash-only items, want the %d ceremony steps", got, len(steps))
	}

	// The gateway knows its clients by certificate: none, or one that names
	// another actor, gets nothing recorded.
	refusedClients(t, a)

	// The archive verifies offline, and a flipped byte is found and named.
	key := filepath.Join(a.Layout.HSMDir(), "keys", "high-side.pub")
	verify := filepath.Join(bins(t), "bastion-verify")
	if out, err := exec.Command(verify, "archive", a.Layout.ExportDir(), "--key", key).CombinedOutput(); err != nil {
		t.Errorf("bastion-verify on the archive: %v\n%s", err, out)
	}
	// Every checkpoint carries a majority of the nodes' cosignatures.
	var cos []string
	for _, n := range a.Layout.Nodes {
		cos = append(cos, "--cosigner", cosign.VerifierKeyFile(a.Layout.PKIDir(), n.ID))
	}
	if out, err := exec.Command(verify, append([]string{"archive", a.Layout.ExportDir(), "--key", key}, cos...)...).CombinedOutput(); err != nil {
		t.Errorf("bastion-verify with the node cosigners: %v\n%s", err, out)
	}
	tampered := t.TempDir()
	must(t, exec.Command("cp", "-a", a.Layout.ExportDir()+"/.", tampered).Run())
	victim := export.Path(tampered, export.File{Seq: 2})
	must(t, os.Chmod(victim, 0o644))
	b, err := os.ReadFile(victim)
	must(t, err)
	b[len(b)/2] ^= 0x01
	must(t, os.WriteFile(victim, b, 0o644))
	out, err := exec.Command(verify, "archive", tampered, "--key", key).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("bastion-verify on a tampered archive: %v, want exit status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "2") {
		t.Errorf("bastion-verify output does not name batch 2:\n%s", out)
	}

	// The portal serves the checkpoint and the daily report.
	var cp struct {
		Checkpoint struct {
			Size uint64 `json:"size"`
		} `json:"checkpoint"`
		Verified bool   `json:"verified"`
		RootHex  string `json:"root_hex"`
	}
	getJSON(t, a.Layout.PortalURL()+"api/checkpoint", &cp)
	if cp.Checkpoint.Size != head.Size || cp.RootHex != sum.LowRoot || !cp.Verified {
		t.Errorf("portal checkpoint size %d root %s verified %v, want size %d root %s verified",
			cp.Checkpoint.Size, cp.RootHex, cp.Verified, head.Size, sum.LowRoot)
	}
	resp, err := http.Get(a.Layout.PortalURL() + "api/reports")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "20") {
		t.Errorf("portal reports: %s %s", resp.Status, body)
	}
}

// archivedEntries reads every full entry of the export directory by ledger
// index.
func archivedEntries(t *testing.T, dir string) map[uint64]*entry.Envelope {
	t.Helper()
	l, err := export.ListBatches(dir)
	must(t, err)
	out := map[uint64]*entry.Envelope{}
	for _, f := range l.Files {
		if f.Withheld {
			continue
		}
		raw, err := os.ReadFile(export.Path(dir, f))
		must(t, err)
		b, err := batch.Parse(raw, batch.DefaultLimits())
		must(t, err)
		for i, it := range b.Items {
			if it.Entry == nil {
				continue
			}
			e, err := entry.Parse(it.Entry)
			if err != nil {
				t.Fatalf("archived entry %d: %v", b.First+uint64(i), err)
			}
			if merkle.LeafHash(it.Entry) == (merkle.Hash{}) {
				t.Fatal("zero leaf hash")
			}
			out[b.First+uint64(i)] = e
		}
	}
	return out
}

// hashOnlyPrefix counts the hash-only items (Entry == nil) that open the
// archive from ledger index 0, up to the first full item.
func hashOnlyPrefix(t *testing.T, dir string) int {
	t.Helper()
	l, err := export.ListBatches(dir)
	must(t, err)
	n := 0
	for _, f := range l.Files {
		if f.Withheld {
			t.Fatalf("batch %d withheld before the first full entry", f.Seq)
		}
		raw, err := os.ReadFile(export.Path(dir, f))
		must(t, err)
		b, err := batch.Parse(raw, batch.DefaultLimits())
		must(t, err)
		if b.First != uint64(n) {
			t.Fatalf("batch %d starts at index %d, want %d", b.Seq, b.First, n)
		}
		for _, it := range b.Items {
			if it.Entry != nil {
				return n
			}
			if it.Hash == (merkle.Hash{}) {
				t.Fatalf("hash-only item %d has a zero leaf hash", n)
			}
			n++
		}
	}
	return n
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	must(t, json.NewDecoder(resp.Body).Decode(v))
}

// refusedClients checks that a client without a certificate cannot connect
// to the leader's gateway, and that one whose header names another actor
// than its certificate is refused.
func refusedClients(t *testing.T, a *appliance.Appliance) {
	t.Helper()
	i, _, err := a.Leader(context.Background())
	must(t, err)
	url := a.Gateway(i) + "/v1/orders"
	pemCA, err := os.ReadFile(filepath.Join(a.Layout.PKIDir(), "ca.crt"))
	must(t, err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCA)
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
		MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.X25519MLKEM768}}}}
	body := `{"order_id":"x-1","event":"new","symbol":"AAPL","side":"buy","qty":1,"price":"1","trader":"T1","account":"A1","source":"api"}`
	if resp, err := anon.Post(url, "application/json", strings.NewReader(body)); err == nil {
		resp.Body.Close()
		t.Errorf("a client without a certificate got %s, want the handshake refused", resp.Status)
	}
	c, err := appliance.NewClient(a.Layout.PKIDir(), "replay")
	must(t, err)
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("X-Bastion-Actor", "cco")
	resp, err := c.HTTP().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a header naming another actor got %s, want 403", resp.Status)
	}
}
