package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// apiError is an error with an HTTP status and a message safe to send.
// The cause, when set, is logged and never sent.
type apiError struct {
	status int
	public string
	cause  error
	// follower marks a write refused because this node does not lead: a
	// 503 that is no fault of the node, logged at Info.
	follower bool
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return e.public + ": " + e.cause.Error()
	}
	return e.public
}

func badRequest(msg string) *apiError { return &apiError{status: http.StatusBadRequest, public: msg} }

// writeJSON sends v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// writeError sends {"error": public} and logs the cause: at Error for a
// server fault, at Info for a request cancelled by its caller or by
// shutdown or a write sent to a follower, at Debug for a client mistake.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	attrs := []slog.Attr{slog.String("path", r.URL.Path), slog.Int("status", e.status), slog.String("error", e.public)}
	if e.cause != nil {
		attrs = append(attrs, slog.Any("cause", e.cause))
	}
	level := slog.LevelDebug
	switch {
	case e.status >= 500 && (e.follower || errors.Is(e.cause, context.Canceled) || r.Context().Err() != nil):
		// The caller went away, the node is stopping or the write belongs
		// on the leader: not a fault.
		level = slog.LevelInfo
	case e.status >= 500:
		level = slog.LevelError
	}
	h.logger.LogAttrs(r.Context(), level, "gateway request failed", attrs...)
	writeJSON(w, e.status, map[string]string{"error": e.public})
}
