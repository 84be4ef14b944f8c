package diode

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metric is one exported value read from a stats snapshot.
type metric[S any] struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	read func(*S) float64
}

// statsCollector exports a stats snapshot as Prometheus metrics; every
// scrape takes one snapshot.
type statsCollector[S any] struct {
	snapshot func() S
	metrics  []metric[S]
}

func (c *statsCollector[S]) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

func (c *statsCollector[S]) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.read(&s))
	}
}

// def describes one metric: name suffix, help, counter or gauge, reader.
type def[S any] struct {
	name, help string
	counter    bool
	read       func(*S) float64
}

func newCollector[S any](prefix, link string, snapshot func() S, defs []def[S]) *statsCollector[S] {
	c := &statsCollector[S]{snapshot: snapshot}
	for _, d := range defs {
		kind := prometheus.GaugeValue
		if d.counter {
			kind = prometheus.CounterValue
		}
		desc := prometheus.NewDesc(prefix+d.name, d.help, nil, prometheus.Labels{"link": link})
		c.metrics = append(c.metrics, metric[S]{desc: desc, kind: kind, read: d.read})
	}
	return c
}

func u(v uint64) float64 { return float64(v) }

// register exports the sender's metrics as bastion_diode_sender_*.
func (s *Sender) register(cfg SenderConfig) error {
	if cfg.Registerer == nil {
		return nil
	}
	type S = SenderStats
	c := newCollector("bastion_diode_sender_", cfg.Link, s.Stats, []def[S]{
		{"batches_total", "Batches whose first transmission finished.", true, func(s *S) float64 { return u(s.Batches) }},
		{"bytes_total", "Batch payload bytes sent.", true, func(s *S) float64 { return u(s.Bytes) }},
		{"datagrams_total", "Datagrams written.", true, func(s *S) float64 { return u(s.Datagrams) }},
		{"wire_bytes_total", "Bytes written to the socket.", true, func(s *S) float64 { return u(s.WireBytes) }},
		{"parity_datagrams_total", "Parity shards written.", true, func(s *S) float64 { return u(s.ParityDatagrams) }},
		{"heartbeats_total", "Heartbeats written.", true, func(s *S) float64 { return u(s.Heartbeats) }},
		{"carousel_resends_total", "Batches sent again by the carousel.", true, func(s *S) float64 { return u(s.CarouselResends) }},
		{"carousel_dropped_total", "Batches dropped from the carousel early.", true, func(s *S) float64 { return u(s.CarouselDropped) }},
		{"carousel_pending", "Batches awaiting a resend.", false, func(s *S) float64 { return float64(s.CarouselPending) }},
		{"send_errors_total", "Failed socket writes.", true, func(s *S) float64 { return u(s.SendErrors) }},
		{"pacing_wait_seconds_total", "Time spent waiting for pacing.", true, func(s *S) float64 { return s.PacingWait.Seconds() }},
		{"last_sequence", "Last batch sequence sent.", false, func(s *S) float64 { return u(s.LastSeq) }},
		{"socket_buffer_bytes", "SO_SNDBUF granted.", false, func(s *S) float64 { return float64(s.SocketBuffer) }},
		{"kernel_sndbuf_errors_total", "Host UDP SndbufErrors.", true, func(s *S) float64 { return u(s.KernelSndbufErrs) }},
	})
	if err := cfg.Registerer.Register(c); err != nil {
		return fmt.Errorf("failed to register sender metrics: %w", err)
	}
	return nil
}

// register exports the receiver's metrics as bastion_diode_receiver_*.
func (r *Receiver) register(cfg ReceiverConfig) error {
	if cfg.Registerer == nil {
		return nil
	}
	type S = ReceiverStats
	c := newCollector("bastion_diode_receiver_", cfg.Link, r.Stats, []def[S]{
		{"datagrams_total", "Datagrams read.", true, func(s *S) float64 { return u(s.Datagrams) }},
		{"wire_bytes_total", "Bytes read.", true, func(s *S) float64 { return u(s.WireBytes) }},
		{"malformed_total", "Malformed datagrams.", true, func(s *S) float64 { return u(s.Malformed) }},
		{"unknown_type_total", "Datagrams of undefined type.", true, func(s *S) float64 { return u(s.UnknownType) }},
		{"auth_failures_total", "AEAD or signature failures.", true, func(s *S) float64 { return u(s.AuthFailures) }},
		{"unknown_session_total", "Sealed datagrams of unknown sessions.", true, func(s *S) float64 { return u(s.UnknownSession) }},
		{"datagrams_lost_total", "Holes in the session's datagram counter.", true, func(s *S) float64 { return u(s.DatagramsLost) }},
		{"groups_repaired_total", "FEC groups rebuilt with parity.", true, func(s *S) float64 { return u(s.GroupsRepaired) }},
		{"batches_total", "Batches delivered.", true, func(s *S) float64 { return u(s.Batches) }},
		{"bytes_total", "Batch bytes delivered.", true, func(s *S) float64 { return u(s.Bytes) }},
		{"gaps_total", "Batches reported missing.", true, func(s *S) float64 { return u(s.Gaps) }},
		{"tail_missing_total", "Batches reported as a missing tail.", true, func(s *S) float64 { return u(s.TailMissing) }},
		{"gaps_filled_total", "Missing batches that arrived later.", true, func(s *S) float64 { return u(s.GapsFilled) }},
		{"lost_total", "Batches lost for good.", true, func(s *S) float64 { return u(s.Lost) }},
		{"heartbeats_total", "Heartbeats verified.", true, func(s *S) float64 { return u(s.Heartbeats) }},
		{"heartbeats_missed_total", "Heartbeat outages.", true, func(s *S) float64 { return u(s.HeartbeatsMissed) }},
		{"sender_restarts_total", "Sessions replaced by a newer one.", true, func(s *S) float64 { return u(s.SenderRestarts) }},
		{"memory_bytes", "Bytes held by partial batches.", false, func(s *S) float64 { return float64(s.MemoryBytes) }},
		{"limbo_datagrams", "Datagrams awaiting their announcement.", false, func(s *S) float64 { return float64(s.LimboDatagrams) }},
		{"queue_batches", "Batches awaiting the handler.", false, func(s *S) float64 { return float64(s.QueueBatches) }},
		{"queue_bytes", "Bytes awaiting the handler.", false, func(s *S) float64 { return float64(s.QueueBytes) }},
		{"queue_drops_total", "Batches dropped at a full queue.", true, func(s *S) float64 { return u(s.QueueDrops) }},
		{"handler_seconds_total", "Time spent in the batch handler.", true, func(s *S) float64 { return s.HandlerTime.Seconds() }},
		{"socket_buffer_bytes", "SO_RCVBUF granted.", false, func(s *S) float64 { return float64(s.SocketBuffer) }},
		{"socket_drops_total", "Kernel drops on this socket (SO_RXQ_OVFL), in messages: a segmented message that arrived whole counts once.", true, func(s *S) float64 { return u(s.SocketDrops) }},
		{"kernel_rcvbuf_errors_total", "Host UDP RcvbufErrors.", true, func(s *S) float64 { return u(s.KernelRcvbufErrs) }},
		{"sender_datagrams_total", "Datagrams the sender reports sent.", true, func(s *S) float64 { return u(s.Sender.Datagrams) }},
	})
	if err := cfg.Registerer.Register(c); err != nil {
		return fmt.Errorf("failed to register receiver metrics: %w", err)
	}
	return nil
}
