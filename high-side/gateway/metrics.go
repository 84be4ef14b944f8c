package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts requests, their latency and the items they carried.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	items    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bastion_gateway_requests_total",
			Help: "Gateway requests by route and HTTP status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bastion_gateway_request_duration_seconds",
			Help:    "Gateway request latency in seconds, by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bastion_gateway_items_total",
			Help: "Submitted items by kind (order, payment, ceremony) and result (accept, review, reject, malformed, failed).",
		}, []string{"kind", "result"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.items} {
		if err := reg.Register(c); err != nil {
			return m, fmt.Errorf("failed to register gateway metrics: %w", err)
		}
	}
	return m, nil
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// instrument wraps next with the request counter and latency histogram.
func (m *metrics) instrument(route string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next(rec, r)
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
	}
}
