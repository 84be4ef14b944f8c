package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"bastion/high-side/intake"
)

// ActorHeader names the header that carries the submitting actor.
const ActorHeader = "X-Bastion-Actor"

// StatusReporter is implemented by a Submitter that can describe itself
// (a node: role, leader, last index). GET /v1/status returns the value
// as JSON; without it the route answers 501.
type StatusReporter interface {
	Status(ctx context.Context) (any, error)
}

type handler struct {
	sub     intake.Submitter
	logger  *slog.Logger
	metrics *metrics
	cfg     config
}

// NewHandler returns the API over sub. Options set the logger, the
// metrics registry and the size limits; see the package doc for routes.
// A failure to register metrics is logged at Error and the handler still
// serves.
func NewHandler(sub intake.Submitter, opts ...Option) http.Handler {
	cfg := config{maxBatch: MaxBatch, maxBody: MaxBodyBytes}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.reg)
	if err != nil {
		cfg.logger.Error("gateway metrics not exported", slog.Any("err", err))
	}
	h := &handler{sub: sub, logger: cfg.logger, metrics: m, cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders", m.instrument("orders", h.postOrders))
	mux.HandleFunc("POST /v1/payments", m.instrument("payments", h.postPayments))
	mux.HandleFunc("GET /v1/receipts/{id}", m.instrument("receipt", h.getReceipt))
	mux.HandleFunc("GET /v1/receipts", m.instrument("receipt", h.getReceipt))
	mux.HandleFunc("GET /v1/status", m.instrument("status", h.getStatus))
	mux.HandleFunc("POST /v1/ceremony", m.instrument("ceremony", h.postCeremony))
	mux.HandleFunc("POST /v1/rulepack", m.instrument("rulepack", h.postRulePack))
	mux.HandleFunc("POST /v1/disclosures", m.instrument("disclosure", h.postDisclosure))
	mux.HandleFunc("POST /v1/records/{index}/amendments", m.instrument("amendment", h.postAmendment))
	mux.HandleFunc("GET /v1/records/{index}/versions", m.instrument("versions", h.getVersions))
	mux.HandleFunc("POST /v1/disposals", m.instrument("disposal", h.postDisposal))
	mux.HandleFunc("POST /v1/cosign", m.instrument("cosign", h.postCosign))
	mux.HandleFunc("GET /healthz", m.instrument("healthz", h.healthz))
	mux.HandleFunc("/", m.instrument("unknown", h.notFound))
	return mux
}

// actor reads and checks the actor header: 1 to 128 printable ASCII
// characters, no space, quote, backslash or slash.
func actor(r *http.Request) (string, *apiError) {
	a := r.Header.Get(ActorHeader)
	if a == "" {
		return "", badRequest("missing " + ActorHeader + " header")
	}
	if !validID(a) {
		return "", badRequest("malformed " + ActorHeader + " header")
	}
	return a, nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '/' {
			return false
		}
	}
	return true
}

// getReceipt looks an id up as a literal string: the Submitter gets the
// exact bytes of the path segment or the id query parameter (M12).
func (h *handler) getReceipt(w http.ResponseWriter, r *http.Request) {
	if _, e := actor(r); e != nil {
		h.writeError(w, r, e)
		return
	}
	id := r.PathValue("id")
	if id == "" {
		id = r.URL.Query().Get("id")
	}
	if id == "" || len(id) > 256 || !utf8.ValidString(id) {
		h.writeError(w, r, badRequest("missing or malformed receipt id"))
		return
	}
	rec, ok, err := h.sub.Receipt(r.Context(), id)
	switch {
	case err != nil:
		h.writeError(w, r, &apiError{status: http.StatusServiceUnavailable, public: "receipt lookup failed", cause: err})
	case !ok:
		h.writeError(w, r, &apiError{status: http.StatusNotFound, public: "no receipt for this id"})
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}

func (h *handler) getStatus(w http.ResponseWriter, r *http.Request) {
	sr, ok := h.sub.(StatusReporter)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "status not available"})
		return
	}
	st, err := sr.Status(r.Context())
	if err != nil {
		h.writeError(w, r, &apiError{status: http.StatusServiceUnavailable, public: "status unavailable", cause: err})
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, &apiError{status: http.StatusNotFound, public: "no such route"})
}

// Result is one item's outcome in a batch response: its index and either
// the receipt or the error that kept it from being submitted.
type Result struct {
	Index   int             `json:"index"`
	Receipt *intake.Receipt `json:"receipt,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// BatchResponse is the body answering an array.
type BatchResponse struct {
	Results []Result `json:"results"`
}
