package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"bastion/diode"
	"bastion/high-side/cosign"
	"bastion/high-side/export"
	"bastion/high-side/node"
	"bastion/high-side/node/fsm"
	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
)

// exportLoop runs an exporter, with a fresh diode session, for as long as
// this node leads.
type exportLoop struct {
	node    *node.Node
	ledger  export.Ledger
	svc     *Services
	signer  hybrid.Signer
	release export.Releaser
	// collector gathers the nodes' cosignatures; nil when cosigning is off.
	collector *cosign.Collector
	log       *slog.Logger
}

func (l *exportLoop) run(ctx context.Context) {
	var cur *termRun
	defer func() { cur.end() }()
	for {
		select {
		case <-ctx.Done():
			return
		case leading := <-l.node.LeaderCh():
			cur.end()
			cur = nil
			if leading {
				cur = l.startTerm(ctx)
			}
		}
	}
}

// termRun is the exporter of one leadership term.
type termRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (t *termRun) end() {
	if t != nil {
		t.cancel()
		<-t.done
	}
}

func (l *exportLoop) startTerm(ctx context.Context) *termRun {
	tctx, cancel := context.WithCancel(ctx)
	t := &termRun{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		if err := l.term(tctx); err != nil && tctx.Err() == nil {
			l.log.Error("exporter stopped", slog.Any("error", err))
		}
	}()
	return t
}

// term exports during one leadership term.
func (l *exportLoop) term(ctx context.Context) error {
	sender, err := l.dial()
	if err != nil {
		return err
	}
	defer sender.Close()

	pub := l.signer.Public()
	key, err := checkpoint.HybridKey(l.svc.KeyName, string(pub.Suite()), pub.Bytes())
	if err != nil {
		return err
	}
	lc := l.svc.Link
	ecfg := export.Config{
		Link: lc.Name, Origin: checkpoint.OriginFor(lc.Name), Key: key,
		Interval: lc.BatchInterval.Duration, MaxEntries: lc.BatchMaxEntries,
	}
	if l.collector != nil {
		ecfg.Cosign = l.collector.Collect
	}
	e := export.New(ecfg, l.ledger, cursor{l.node.ExportCursor()}, l.signer, sender, l.release, l.log.With(slog.String("component", "export")))

	watch, cancel := l.node.Watch()
	defer cancel()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-watch:
				e.Notify()
			}
		}
	}()
	l.log.InfoContext(ctx, "exporter started", slog.String("link", lc.Name), slog.String("guard", lc.GuardAddr))
	return e.Run(ctx)
}

// dial opens the one-way socket to the guard and starts a diode session.
func (l *exportLoop) dial() (*diode.Sender, error) {
	lc := l.svc.Link
	raddr, err := net.ResolveUDPAddr("udp", lc.GuardAddr)
	if err != nil {
		return nil, fmt.Errorf("link.guard_addr: %w", err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, fmt.Errorf("failed to open diode socket: %w", err)
	}
	guardKey, err := diode.ReadPublicKeyFile(lc.GuardKey)
	if err != nil {
		conn.Close()
		return nil, err
	}
	cfg := diode.SenderConfig{
		Link: lc.Name, RecipientKey: guardKey, Signer: l.signer,
		MaxDataShards: lc.MaxDataShards, ParityShards: lc.ParityShards,
		DesignLoss: lc.DesignLoss, ShardSize: lc.ShardBytes,
	}
	if lc.RateMbps > 0 {
		cfg.Rate = int64(lc.RateMbps * 1e6 / 8)
	}
	for _, d := range lc.Carousel {
		cfg.Carousel = append(cfg.Carousel, d.Duration)
	}
	s, err := diode.NewSender(conn, cfg, l.log.With(slog.String("component", "diode")))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("failed to start diode sender: %w", err)
	}
	return s, nil
}

// cursor adapts the node's replicated export cursor to the exporter.
type cursor struct{ c *node.ExportCursor }

func (c cursor) Last(link string) (export.Record, bool, error) {
	r, ok, err := c.c.Last(link)
	return export.Record(r), ok, err
}

func (c cursor) Get(link string, seq uint64) (export.Record, bool, error) {
	r, ok, err := c.c.Get(link, seq)
	return export.Record(r), ok, err
}

func (c cursor) Advance(ctx context.Context, link string, rec export.Record) error {
	return c.c.Advance(ctx, link, fsm.ExportRecord(rec))
}
