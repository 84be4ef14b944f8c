//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/diode"
	"bastion/guard"
	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/shared/batch"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/test/appliance"
	"bastion/test/lossylink"

	"github.com/pelletier/go-toml/v2"
)

// guardRig is the low side as deployed, the bastion-guard binary behind a
// lossy, corrupting loopback link, fed by a test high side that can
// misbehave.
type guardRig struct {
	t      *testing.T
	dir    string
	hs     *guardtest.HighSide
	link   *lossylink.Link
	guard  *appliance.Process
	pub    []byte
	export string
	log    string
}

func newGuardRig(t *testing.T, loss float64, corrupt map[uint64]bool) *guardRig {
	dir := t.TempDir()
	r := &guardRig{t: t, dir: dir, hs: guardtest.New(t, "audit"),
		export: filepath.Join(dir, "export"), log: filepath.Join(dir, "state", "guard.log")}

	// Keys: the guard's diode key and the high side's published key.
	priv, pub, err := diode.GenerateRecipientKey()
	if err != nil {
		t.Fatal(err)
	}
	r.pub = pub
	must(t, diode.WritePrivateKeyFile(filepath.Join(dir, "guard.key"), priv))
	must(t, os.WriteFile(filepath.Join(dir, "high-side.pub"), r.hs.KeyText(), 0o644))

	port, err := appliance.FreePort("127.0.0.1", "udp")
	must(t, err)
	cfg := guard.Config{Link: "audit", Listen: fmt.Sprintf("127.0.0.1:%d", port),
		HPKEKeyFile: filepath.Join(dir, "guard.key"), HighSideKeyFile: filepath.Join(dir, "high-side.pub"),
		ReleaseLabel: "confidential/payments,surveillance,trading",
		StateDir:     filepath.Join(dir, "state"), ExportDir: r.export}
	b, err := toml.Marshal(cfg)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "guard.toml"), b, 0o600))
	r.guard, err = appliance.StartProcess("guard", dir, filepath.Join(bins(t), "bastion-guard"), nil,
		"run", "--config", filepath.Join(dir, "guard.toml"))
	must(t, err)
	t.Cleanup(func() { r.guard.Stop(5 * time.Second) })

	r.link, err = lossylink.New(lossylink.Config{To: cfg.Listen, Loss: loss, Seed: 7,
		Mutate: func(i uint64, d []byte) {
			if corrupt[i] && len(d) > 0 {
				d[len(d)/2] ^= 0xff
			}
		}})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go r.link.Run(ctx)
	t.Cleanup(func() { cancel(); r.link.Close() })
	r.waitLog("guard started", 10*time.Second)
	return r
}

// sender starts a diode session to the guard through the link.
func (r *guardRig) sender() *diode.Sender {
	conn, err := net.DialUDP("udp", nil, r.link.Addr())
	must(r.t, err)
	s, err := diode.NewSender(conn, diode.SenderConfig{Link: "audit", RecipientKey: r.pub,
		Signer: r.hs.Signer, Carousel: []time.Duration{300 * time.Millisecond, time.Second}}, nil)
	must(r.t, err)
	return s
}

func (r *guardRig) orders(n int, label entry.Label) {
	base := int(r.hs.Size())
	for i := 0; i < n; i++ {
		r.hs.Append(r.t, guardtest.Order(r.t, base+i, label))
	}
}

// lines returns the guard log.
func (r *guardRig) lines() []appliance.GuardLogLine {
	f, err := os.Open(r.log)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []appliance.GuardLogLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l appliance.GuardLogLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

func (r *guardRig) waitLog(substr string, d time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, l := range r.lines() {
			if strings.Contains(l.Reason, substr) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("guard log has no line containing %q within %v", substr, d)
}

func (r *guardRig) head() export.ChainHead {
	b, err := os.ReadFile(filepath.Join(r.export, export.ChainHeadFile))
	if err != nil {
		return export.ChainHead{}
	}
	h, _ := export.ParseChainHead(b)
	return h
}

func (r *guardRig) waitSeq(seq uint64, d time.Duration) export.ChainHead {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if h := r.head(); h.Seq >= seq {
			return h
		}
		if done, err := r.guard.Exited(); done {
			r.t.Fatalf("guard exited: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("guard did not reach batch %d within %v: head %+v", seq, d, r.head())
	return export.ChainHead{}
}

// TestGuardRejectsAndStreamContinues sends, over a link that loses 2 % of
// datagrams and corrupts two: a good batch, a batch with a forged
// signature, the genuine batch again from a restarted sender, a batch
// carrying an entry above the release label, and a last good batch. The
// corrupted datagrams fail authentication, the forged batch and the
// over-labelled entry are rejected and logged, and every later batch lands
// with the high side's root.
func TestGuardRejectsAndStreamContinues(t *testing.T) {
	r := newGuardRig(t, 0.02, map[uint64]bool{20: true, 60: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	trading := entry.NewLabel(entry.Confidential, "trading")

	s := r.sender()
	r.orders(300, trading)
	seq, raw := r.hs.Next(t)
	must(t, s.Send(ctx, seq, raw))
	r.waitSeq(1, 20*time.Second)

	// Batch 2 signed by a key the guard does not trust.
	r.orders(300, trading)
	forger, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	must(t, err)
	forged, err := r.hs.Batch(t).Sign(forger)
	must(t, err)
	must(t, s.Send(ctx, 2, forged))
	r.waitLog("signature", 10*time.Second)
	must(t, s.Close())

	// The high side restarts its sender and sends the genuine batch 2.
	s = r.sender()
	defer s.Close()
	seq, raw = r.hs.Next(t)
	must(t, s.Send(ctx, seq, raw))
	r.waitSeq(2, 20*time.Second)

	// Batch 3 carries an entry the release filter should have withheld.
	r.orders(1, entry.NewLabel(entry.Secret, "keys"))
	seq, raw = r.hs.Next(t)
	must(t, s.Send(ctx, seq, raw))

	// Batch 4 is good again.
	r.orders(300, trading)
	seq, raw = r.hs.Next(t)
	must(t, s.Send(ctx, seq, raw))
	h := r.waitSeq(4, 20*time.Second)

	if h.Size != r.hs.Size() || h.Root != r.hs.Root(t, r.hs.Size()) {
		t.Errorf("guard head covers %d entries with root %s, want %d with %s",
			h.Size, h.Root, r.hs.Size(), r.hs.Root(t, r.hs.Size()))
	}
	var authFailures, forgedRejected, labelRejected bool
	for _, l := range r.lines() {
		switch {
		case l.Stage == "diode" && strings.HasPrefix(l.Reason, "auth_failure"):
			authFailures = true
		case l.Stage == "signature" && l.Decision == "reject" && l.BatchSeq == 2:
			forgedRejected = true
		case l.Stage == "schema" && l.Decision == "reject" && l.BatchSeq == 3:
			labelRejected = true
		}
	}
	if !authFailures {
		t.Error("no auth_failure logged for the corrupted datagrams")
	}
	if !forgedRejected {
		t.Error("the forged batch 2 was not rejected at the signature stage")
	}
	if !labelRejected {
		t.Error("the over-labelled batch 3 was not rejected at the schema stage")
	}

	// Every releasable entry of the good batches is archived, as sent.
	l, err := export.ListBatches(r.export)
	must(t, err)
	var got []string
	full := 0
	for _, f := range l.Files {
		got = append(got, f.Name())
		if f.Withheld {
			continue
		}
		b, err := os.ReadFile(export.Path(r.export, f))
		must(t, err)
		bt, err := batch.Parse(b, batch.DefaultLimits())
		must(t, err)
		for _, it := range bt.Items {
			if it.Entry != nil {
				full++
			}
		}
	}
	want := []string{export.BatchName(1), export.BatchName(2), export.WithheldName(3), export.BatchName(4)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("export holds %v, want %v", got, want)
	}
	if full != 900 {
		t.Errorf("archive holds %d full entries, want 900", full)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
