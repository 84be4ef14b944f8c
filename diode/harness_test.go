package diode

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"bastion/test/lossylink"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// edKey is the test stand-in for the hybrid signing key: Ed25519ctx
// (RFC 8032 §5.1) with the diode's signature context.
type edKey struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func newEdKey(t testing.TB) edKey {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return edKey{priv, pub}
}

func (k edKey) Sign(msg, ctx []byte) ([]byte, error) {
	return k.priv.Sign(nil, msg, &ed25519.Options{Context: string(ctx)})
}

func (k edKey) Verify(msg, ctx, sig []byte) error {
	if err := ed25519.VerifyWithOptions(k.pub, msg, sig, &ed25519.Options{Context: string(ctx)}); err != nil {
		return errors.New("bad signature")
	}
	return nil
}

// recorder is a Handler that keeps everything it is given.
type recorder struct {
	mu      sync.Mutex
	batches map[uint64][]byte
	counts  map[uint64]int
	order   []uint64
	events  []Event
	slow    time.Duration
	// verify, when set, checks every batch, which is then not kept:
	// failures are counted in wrong.
	verify func(seq uint64, p []byte) bool
	wrong  int
}

func newRecorder() *recorder {
	return &recorder{batches: make(map[uint64][]byte), counts: make(map[uint64]int)}
}

func (r *recorder) Batch(seq uint64, p []byte) {
	if r.slow > 0 {
		time.Sleep(r.slow)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.verify != nil {
		if !r.verify(seq, p) {
			r.wrong++
		}
		p = nil
	}
	r.batches[seq] = p
	r.counts[seq]++
	r.order = append(r.order, seq)
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) delivered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

func (r *recorder) count(seq uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[seq]
}

func (r *recorder) eventsOf(k Kind) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// link is a sender and receiver on loopback, optionally through a lossy
// forwarder.
type link struct {
	t        testing.TB
	key      edKey
	priv     []byte
	pub      []byte
	recvConn *net.UDPConn
	recv     *Receiver
	rec      *recorder
	fwd      *lossylink.Link
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	runErr   error
}

type linkOpts struct {
	recv  ReceiverConfig
	loss  *lossylink.Config // nil: no forwarder
	noRun bool
	slow  time.Duration
}

func newLink(t testing.TB, o linkOpts) *link {
	t.Helper()
	l := &link{t: t, key: newEdKey(t), rec: newRecorder()}
	l.rec.slow = o.slow
	var err error
	if l.priv, l.pub, err = GenerateRecipientKey(); err != nil {
		t.Fatal(err)
	}
	l.recvConn, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := o.recv
	cfg.Link = "test-link"
	cfg.PrivateKey = l.priv
	cfg.Verifier = l.key
	if l.recv, err = NewReceiver(l.recvConn, cfg, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	if o.loss != nil {
		lc := *o.loss
		lc.To = l.recvConn.LocalAddr().String()
		if l.fwd, err = lossylink.New(lc); err != nil {
			t.Fatal(err)
		}
		l.wg.Go(func() { l.fwd.Run(ctx) })
	}
	if !o.noRun {
		l.start()
	}
	t.Cleanup(l.stop)
	return l
}

// start runs the receiver.
func (l *link) start() {
	ctx, cancel := context.WithCancel(context.Background())
	prev := l.cancel
	l.cancel = func() { prev(); cancel() }
	l.wg.Go(func() { l.runErr = l.recv.Run(ctx, l.rec) })
}

func (l *link) stop() {
	l.cancel()
	l.wg.Wait()
	if l.fwd != nil {
		l.fwd.Close()
	}
	l.recvConn.Close()
	if l.runErr != nil {
		l.t.Errorf("Run returned %v, want nil", l.runErr)
	}
}

// target is where senders send.
func (l *link) target() *net.UDPAddr {
	if l.fwd != nil {
		return l.fwd.Addr()
	}
	return l.recvConn.LocalAddr().(*net.UDPAddr)
}

// sender opens a sender to the link with cfg's non-key fields.
func (l *link) sender(cfg SenderConfig) *Sender {
	l.t.Helper()
	conn, err := net.DialUDP("udp", nil, l.target())
	if err != nil {
		l.t.Fatal(err)
	}
	cfg.Link = "test-link"
	cfg.RecipientKey = l.pub
	cfg.Signer = l.key
	s, err := NewSender(conn, cfg, nil)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		s.Close()
		conn.Close()
	})
	return s
}

// waitUntil polls cond until it holds, failing the test after limit. The
// limit only bounds a hung test; no assertion depends on speed.
func waitUntil(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// payload returns n deterministic pseudo-random bytes for seq.
func payload(seq uint64, n int) []byte {
	b := make([]byte, n)
	x := seq*0x9e3779b97f4a7c15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}
