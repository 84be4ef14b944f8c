package peertls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// DefaultHandshakeTimeout bounds an inbound TLS handshake.
const DefaultHandshakeTimeout = 10 * time.Second

// StreamLayer is a raft.StreamLayer whose connections are mutually
// authenticated TLS 1.3. Inbound handshakes run off the accept path, so a
// silent or hostile peer cannot stall other connections. It is safe for
// concurrent use.
type StreamLayer struct {
	ln        net.Listener
	advertise net.Addr
	creds     *Credentials
	peers     map[string]string // raft address → node ID
	server    *tls.Config
	logger    *slog.Logger
	timeout   time.Duration

	ready    chan net.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
	rejected atomic.Uint64

	connMu sync.Mutex
	conns  map[*trackedConn]struct{}
}

// trackedConn is a connection the stream layer closes when it closes:
// Raft's transport keeps pooled connections open past its own shutdown.
type trackedConn struct {
	net.Conn
	s    *StreamLayer
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.connMu.Lock()
		delete(c.s.conns, c)
		c.s.connMu.Unlock()
	})
	return c.Conn.Close()
}

// track registers c, or closes it and fails if the layer is closed.
func (s *StreamLayer) track(c net.Conn) (net.Conn, error) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conns == nil {
		c.Close()
		return nil, net.ErrClosed
	}
	t := &trackedConn{Conn: c, s: s}
	s.conns[t] = struct{}{}
	return t, nil
}

// closeConns closes every tracked connection and refuses new ones.
func (s *StreamLayer) closeConns() {
	s.connMu.Lock()
	conns := s.conns
	s.conns = nil
	s.connMu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

// Membership maps each member's Raft address to its node ID.
type Membership map[string]string

// Listen opens a TCP listener on bind and returns a stream layer over it.
// advertise is the address peers dial (the listener's own address when
// empty); peers must include every member, this node too. logger may be
// nil for silence. Errors come from an unusable advertise address or from
// the listener.
func Listen(bind, advertise string, creds *Credentials, peers Membership, logger *slog.Logger) (*StreamLayer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("failed to listen for peers: %w", err)
	}
	adv := ln.Addr()
	if advertise != "" {
		if adv, err = net.ResolveTCPAddr("tcp", advertise); err != nil {
			ln.Close()
			return nil, fmt.Errorf("bad advertise address %q: %w", advertise, err)
		}
	}
	members := make(map[string]bool, len(peers))
	for _, id := range peers {
		members[id] = true
	}
	s := &StreamLayer{
		ln: ln, advertise: adv, creds: creds, peers: peers, logger: logger,
		server:  creds.ServerConfig(func(id string) bool { return members[id] }),
		timeout: DefaultHandshakeTimeout,
		ready:   make(chan net.Conn),
		conns:   map[*trackedConn]struct{}{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Accept returns the next peer connection whose handshake succeeded. After
// Close it returns net.ErrClosed.
func (s *StreamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-s.ready:
		return c, nil
	case <-s.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Close stops accepting, aborts handshakes in progress, waits for them and
// closes every connection the layer accepted or dialled.
func (s *StreamLayer) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		err = s.ln.Close()
		s.wg.Wait()
		s.closeConns()
	})
	return err
}

// Addr returns the address peers dial to reach this node.
func (s *StreamLayer) Addr() net.Addr { return s.advertise }

// Rejected returns how many inbound handshakes have failed.
func (s *StreamLayer) Rejected() uint64 { return s.rejected.Load() }

// Dial connects to the member at address and completes the handshake
// within timeout (no limit when zero). It fails for an address that belongs
// to no member and for a peer whose certificate does not name that member.
func (s *StreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	id, ok := s.peers[string(address)]
	if !ok {
		return nil, fmt.Errorf("address %s belongs to no cluster member", address)
	}
	ctx := s.ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	d := &tls.Dialer{Config: s.creds.ClientConfig(id)}
	c, err := d.DialContext(ctx, "tcp", string(address))
	if err != nil {
		return nil, fmt.Errorf("failed to connect to node %s at %s: %w", id, address, err)
	}
	return s.track(c)
}

func (s *StreamLayer) acceptLoop() {
	defer s.wg.Done()
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.logger.Warn("failed to accept peer connection", slog.Any("error", err))
			select {
			case <-time.After(50 * time.Millisecond):
			case <-s.ctx.Done():
				return
			}
			continue
		}
		s.wg.Add(1)
		go s.handshake(raw)
	}
}

// handshake authenticates one inbound connection and hands it to Accept.
func (s *StreamLayer) handshake(raw net.Conn) {
	defer s.wg.Done()
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	conn := tls.Server(raw, s.server)
	if err := conn.HandshakeContext(ctx); err != nil {
		s.rejected.Add(1)
		s.logger.Warn("refused peer connection",
			slog.String("remote", raw.RemoteAddr().String()), slog.Any("error", err))
		raw.Close()
		return
	}
	tc, err := s.track(conn)
	if err != nil {
		return
	}
	select {
	case s.ready <- tc:
	case <-s.ctx.Done():
		tc.Close()
	}
}

// ConnectionState returns the TLS state of the connection.
func (c *trackedConn) ConnectionState() tls.ConnectionState {
	return c.Conn.(*tls.Conn).ConnectionState()
}
