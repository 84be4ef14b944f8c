package gateway

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the options.
const (
	// MaxBatch is the default largest array one request may carry.
	MaxBatch = 5000
	// MaxBodyBytes is the default largest request body, in bytes: room
	// for MaxBatch items of about 1 KiB.
	MaxBodyBytes = 8 << 20
)

// Option configures the handler.
type Option func(*config)

type config struct {
	logger   *slog.Logger
	reg      prometheus.Registerer
	maxBatch int
	maxBody  int64

	cosigner    Cosigner
	cosignNodes []string
}

// WithLogger sets the logger; by default the handler logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithRegisterer registers the handler's Prometheus metrics with reg:
// bastion_gateway_requests_total{route,code},
// bastion_gateway_request_duration_seconds{route} and
// bastion_gateway_items_total{kind,result}. Without it the metrics are
// kept but not exported.
func WithRegisterer(reg prometheus.Registerer) Option { return func(c *config) { c.reg = reg } }

// WithMaxBatch sets the largest array accepted by the POST routes
// (default MaxBatch). A larger array is refused whole with 413.
func WithMaxBatch(n int) Option { return func(c *config) { c.maxBatch = n } }

// WithMaxBodyBytes sets the largest request body in bytes (default
// MaxBodyBytes). A larger body is refused with 413.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }
