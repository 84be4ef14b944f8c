package portal

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
)

// Config wires a Server to its sources. Export, Dir and GuardLog are
// required.
type Config struct {
	// Export supplies the current reports.
	Export *report.Export
	// Dir is the export directory, read for the latest checkpoint and the
	// archive chain head.
	Dir report.ExportDir
	// GuardLog is the guard log; handlers refresh it before they read it,
	// so a line is visible on the next request after it is written.
	GuardLog *guardlog.Log
	// Verify, when set, re-verifies the signatures of a checkpoint note
	// with the published keys; the overview shows its verdict.
	Verify func(note []byte) error
	// Bundles, when set, is the folder of signed report bundles
	// (bastion-report bundle --out) listed at /api/bundles and served at
	// /bundles/{bundle}/{file}.
	Bundles string
	// Logger receives lifecycle and access lines; nil discards.
	Logger *slog.Logger
	// AccessLog, when set, receives one JSON line per request.
	AccessLog io.Writer
	// Rate is the per-client request rate; the zero value means
	// DefaultRate.
	Rate Rate
	// Auth, when set, wraps every route: the place for a login
	// middleware. It runs after rate limiting and cross-origin checks.
	Auth func(http.Handler) http.Handler
}

// Server is the portal's HTTP handler set.
type Server struct {
	cfg    Config
	log    *slog.Logger
	access *slog.Logger
	cp     checkpointCache
	h      http.Handler
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.AccessLog != nil {
		s.access = slog.New(slog.NewJSONHandler(cfg.AccessLog, nil))
	}
	if s.cfg.Rate == (Rate{}) {
		s.cfg.Rate = DefaultRate
	}
	s.h = s.chain(s.routes())
	return s
}

// ServeHTTP serves one request through the middleware chain.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// chain wraps the routes in the middleware, outermost first.
func (s *Server) chain(h http.Handler) http.Handler {
	if s.cfg.Auth != nil {
		h = s.cfg.Auth(h)
	}
	h = http.NewCrossOriginProtection().Handler(h)
	h = newLimiter(s.cfg.Rate, time.Now).middleware(h)
	h = securityHeaders(h)
	h = s.accessLog(h)
	return s.recoverPanic(h)
}

// routes registers every page, fragment, asset and API endpoint, each
// behind the role check of its area (see visibility).
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.overview)
	m.HandleFunc("GET /fragments/health", s.only(areaGuard, s.healthFragment))
	m.HandleFunc("GET /reports", s.only(areaEvidence, s.reportList))
	m.HandleFunc("GET /reports/{name}", s.only(areaEvidence, s.reportPage))
	m.HandleFunc("GET /charts", s.only(areaEvidence, s.chartsPage))
	m.HandleFunc("GET /proof", s.only(areaEvidence, s.proofPage))
	m.HandleFunc("GET /proof/{file}", s.only(areaEvidence, s.proofFile))
	m.HandleFunc("GET /guard-log", s.only(areaGuard, s.guardLogPage))
	m.HandleFunc("GET /guard-log/rows", s.only(areaGuard, s.guardLogRows))
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("GET /api/checkpoint", s.only(areaEvidence, s.apiCheckpoint))
	m.HandleFunc("GET /api/health", s.only(areaGuard, s.apiHealth))
	m.HandleFunc("GET /api/reports", s.only(areaEvidence, s.apiReports))
	m.HandleFunc("GET /api/reports/{name}", s.only(areaEvidence, s.apiReport))
	m.HandleFunc("GET /api/guard-log", s.only(areaGuard, s.apiGuardLog))
	m.HandleFunc("GET /api/bundles", s.only(areaEvidence, s.apiBundles))
	m.HandleFunc("GET /bundles/{bundle}/{file}", s.only(areaEvidence, s.bundleFile))
	return m
}
