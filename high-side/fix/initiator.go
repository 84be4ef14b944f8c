package fix

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// ErrSessionClosed is returned by Initiator methods once the session has
// ended.
var ErrSessionClosed = errors.New("fix session closed")

// InitiatorConfig configures an Initiator.
type InitiatorConfig struct {
	BeginString  string // FIX42 or FIX44
	SenderCompID string // our CompID
	TargetCompID string // the acceptor's CompID
	// HeartBtInt is the heartbeat interval asked for in the Logon, in
	// seconds. Default 30.
	HeartBtInt int
	// TLS, when set, runs the session over TLS with this configuration
	// (the high side's acceptors require it); nil dials plain TCP.
	TLS *tls.Config
}

// Initiator is a FIX client session, used by tests and the appliance
// harness to send orders through an Acceptor. Every Logon resets sequence
// numbers (ResetSeqNumFlag 141=Y). Safe for concurrent use; replies are
// matched to requests by ClOrdID.
type Initiator struct {
	link   *link
	reader *Reader
	hb     time.Duration

	mu      sync.Mutex
	waiting map[string]chan *Message // by ClOrdID, or "seq:N" for Rejects
	logout  chan *Message
	err     error
	done    chan struct{}
	wg      sync.WaitGroup
}

// Dial connects to addr over TCP (over TLS when cfg.TLS is set), logs on
// and waits for the acceptor's Logon. It returns an error naming the
// Logout text when refused.
func Dial(ctx context.Context, addr string, cfg InitiatorConfig) (*Initiator, error) {
	if cfg.HeartBtInt <= 0 {
		cfg.HeartBtInt = 30
	}
	var conn net.Conn
	var err error
	if cfg.TLS != nil {
		d := tls.Dialer{Config: cfg.TLS}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to connect to FIX acceptor: %w", err)
	}
	c := &Initiator{
		link:    &link{conn: conn, begin: cfg.BeginString, sender: cfg.SenderCompID, target: cfg.TargetCompID, nextOut: 1},
		reader:  NewReader(conn),
		hb:      time.Duration(cfg.HeartBtInt) * time.Second,
		waiting: map[string]chan *Message{},
		logout:  make(chan *Message, 1),
		done:    make(chan struct{}),
	}
	if err := c.handshake(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	c.wg.Add(2)
	go c.readLoop()
	go c.heartbeatLoop()
	return c, nil
}

func (c *Initiator) handshake(ctx context.Context) error {
	if _, err := c.link.send(NewLogon(c.link.begin, int(c.hb/time.Second), true)); err != nil {
		return fmt.Errorf("failed to send Logon: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.link.conn.SetReadDeadline(dl)
	}
	defer c.link.conn.SetReadDeadline(time.Time{})
	m, _, err := c.reader.Read()
	if err != nil {
		return fmt.Errorf("failed to read Logon reply: %w", err)
	}
	if m.MsgType != MsgLogon {
		text, _ := m.Get(TagText)
		return fmt.Errorf("logon refused (MsgType %s): %s", m.MsgType, text)
	}
	return nil
}

// SendOrder sends a NewOrderSingle and returns the ExecutionReport for it.
// A session Reject of the order is returned as an error naming the tag.
func (c *Initiator) SendOrder(ctx context.Context, o NewOrderSingle) (ExecutionReport, error) {
	return c.request(ctx, o.Message(c.link.begin))
}

// CancelOrder sends an OrderCancelRequest and returns the ExecutionReport
// or OrderCancelReject for it.
func (c *Initiator) CancelOrder(ctx context.Context, r OrderCancelRequest) (ExecutionReport, error) {
	return c.request(ctx, r.Message(c.link.begin))
}

// Send sends an application message carrying a ClOrdID (11), for example
// one read from a log, and returns the reply for that ClOrdID. The
// session header fields of m (49, 56, 34, 52, 43, ...) are replaced.
func (c *Initiator) Send(ctx context.Context, m *Message) (ExecutionReport, error) {
	return c.request(ctx, m)
}

func (c *Initiator) request(ctx context.Context, m *Message) (ExecutionReport, error) {
	id, ok := m.Get(TagClOrdID)
	if !ok {
		return ExecutionReport{}, errors.New("message has no ClOrdID (11)")
	}
	reply := make(chan *Message, 2)
	if err := c.wait(id, reply); err != nil {
		return ExecutionReport{}, err
	}
	defer c.unwait(id)
	c.link.mu.Lock()
	seqKey := "seq:" + strconv.FormatInt(c.link.nextOut, 10)
	c.mu.Lock()
	c.waiting[seqKey] = reply
	c.mu.Unlock()
	err := c.link.write(m, c.link.nextOut, false)
	if err == nil {
		c.link.nextOut++
	}
	c.link.mu.Unlock()
	defer c.unwait(seqKey)
	if err != nil {
		return ExecutionReport{}, fmt.Errorf("failed to send %s: %w", m.MsgType, err)
	}
	return c.await(ctx, reply)
}

func (c *Initiator) await(ctx context.Context, reply chan *Message) (ExecutionReport, error) {
	select {
	case r := <-reply:
		if r.MsgType == MsgReject {
			tag, _ := r.Get(TagRefTagID)
			text, _ := r.Get(TagText)
			return ExecutionReport{}, fmt.Errorf("session reject: tag %s: %s", tag, text)
		}
		return ParseExecutionReport(r)
	case <-c.done:
		return ExecutionReport{}, c.closedErr()
	case <-ctx.Done():
		return ExecutionReport{}, ctx.Err()
	}
}

func (c *Initiator) wait(key string, ch chan *Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if _, dup := c.waiting[key]; dup {
		return fmt.Errorf("ClOrdID %q already awaiting a reply", key)
	}
	c.waiting[key] = ch
	return nil
}

func (c *Initiator) unwait(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.waiting, key)
}

func (c *Initiator) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Logout sends a Logout, waits for the acceptor's Logout, the connection
// closing or ctx, and closes the connection. It returns the acceptor's
// Logout Text, if any, or ErrSessionClosed (wrapped) when the connection
// closed without one.
func (c *Initiator) Logout(ctx context.Context) (string, error) {
	defer c.closeConn()
	if _, err := c.link.send(NewLogout(c.link.begin, "")); err != nil {
		return "", fmt.Errorf("failed to send Logout: %w", err)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case m := <-c.logout:
		text, _ := m.Get(TagText)
		return text, nil
	default:
		return "", c.closedErr()
	}
}

// Done is closed when the session has ended.
func (c *Initiator) Done() <-chan struct{} { return c.done }

// LogoutText returns the Text of a Logout the acceptor sent, once Done is
// closed; empty when there was none.
func (c *Initiator) LogoutText() string {
	select {
	case m := <-c.logout:
		c.logout <- m
		text, _ := m.Get(TagText)
		return text
	default:
		return ""
	}
}

// closeTimeout bounds how long Close waits for the acceptor to answer its
// Logout.
const closeTimeout = time.Second

// Close ends the session and waits for its goroutines. Unless the session
// has already ended, it first sends a Logout (5) and waits up to
// closeTimeout for the acceptor's Logout or for the connection to close:
// the acceptor releases the SenderCompID before it answers, so a Dial
// with the same CompID right after Close is not refused as a second
// session. Safe to call more than once.
func (c *Initiator) Close() error {
	c.sayLogout(closeTimeout)
	return c.closeConn()
}

// sayLogout sends a Logout and waits, up to timeout, for the session to
// end. At the timeout the connection is closed, which ends both a write
// the acceptor no longer reads and the read loop that closes done.
func (c *Initiator) sayLogout(timeout time.Duration) {
	select {
	case <-c.done:
		return
	default:
	}
	cut := time.AfterFunc(timeout, func() { c.link.conn.Close() })
	defer cut.Stop()
	if _, err := c.link.send(NewLogout(c.link.begin, "")); err == nil {
		<-c.done
	}
}

// closeConn closes the connection without a Logout and waits for the
// session's goroutines.
func (c *Initiator) closeConn() error {
	c.finish(ErrSessionClosed)
	err := c.link.conn.Close()
	c.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (c *Initiator) finish(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}
