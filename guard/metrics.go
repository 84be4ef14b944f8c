package guard

import (
	"github.com/prometheus/client_golang/prometheus"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
)

// Metrics are the guard's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	stages    *prometheus.CounterVec
	outcomes  *prometheus.CounterVec
	entries   prometheus.Counter
	events    *prometheus.CounterVec
	size      prometheus.Gauge
	records   prometheus.Gauge
	pendingG  prometheus.Gauge
	lastCheck prometheus.Gauge
}

// NewMetrics creates the guard's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		stages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bastion_guard_stage_decisions_total",
			Help: "Stage decisions by stage and decision."}, []string{"stage", "decision"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bastion_guard_batches_total",
			Help: "Batches by outcome."}, []string{"outcome"}),
		entries: prometheus.NewCounter(prometheus.CounterOpts{Name: "bastion_guard_ledger_entries_total",
			Help: "Ledger entries (full or hash-only) archived since start."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bastion_guard_diode_events_total",
			Help: "Diode receiver events by kind."}, []string{"kind"}),
		size: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bastion_guard_ledger_size",
			Help: "Ledger size covered by the archive, in entries."}),
		records: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bastion_guard_archive_records",
			Help: "Records in the archive."}),
		pendingG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bastion_guard_pending_batches",
			Help: "Batches held while an earlier one is missing."}),
		lastCheck: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bastion_guard_selfcheck_ok",
			Help: "1 if the last archive self-check passed, 0 if it failed."}),
	}
	reg.MustRegister(m.stages, m.outcomes, m.entries, m.events, m.size, m.records, m.pendingG, m.lastCheck)
	return m
}

func (m *Metrics) stage(stage string, d auditlog.Decision) {
	if m != nil {
		m.stages.WithLabelValues(stage, string(d)).Inc()
	}
}

func (m *Metrics) outcome(o Outcome) {
	if m != nil {
		m.outcomes.WithLabelValues(o.String()).Inc()
	}
}

func (m *Metrics) setHead(h archive.Head, added int) {
	if m != nil {
		m.size.Set(float64(h.Size))
		m.records.Set(float64(h.Records))
		m.entries.Add(float64(added))
	}
}

func (m *Metrics) setPending(n int) {
	if m != nil {
		m.pendingG.Set(float64(n))
	}
}

func (m *Metrics) event(kind string) {
	if m != nil {
		m.events.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) selfCheck(ok bool) {
	if m != nil {
		v := 0.0
		if ok {
			v = 1
		}
		m.lastCheck.Set(v)
	}
}
