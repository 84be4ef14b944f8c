package gateway

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriteErrorLevels checks the level a failed request is logged at: a
// server fault at error, the same status for a request its caller or
// shutdown cancelled at info, a client mistake at debug.
func TestWriteErrorLevels(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  *apiError
		want string
	}{
		{"fault", context.Background(), &apiError{status: 503, public: "unavailable", cause: errors.New("no leader")}, "level=ERROR"},
		{"cancelled cause", context.Background(), &apiError{status: 503, public: "unavailable", cause: context.Canceled}, "level=INFO"},
		{"cancelled request", cancelled, &apiError{status: 500, public: "internal", cause: errors.New("aborted")}, "level=INFO"},
		{"write on a follower", context.Background(), &apiError{status: 503, public: "not the leader", cause: errors.New("no"), follower: true}, "level=INFO"},
		{"client mistake", context.Background(), &apiError{status: 400, public: "bad order"}, "level=DEBUG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := &handler{logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			r := httptest.NewRequest(http.MethodPost, "/v1/cosign", nil).WithContext(tt.ctx)
			w := httptest.NewRecorder()
			h.writeError(w, r, tt.err)
			if !strings.HasPrefix(buf.String(), "time=") || !strings.Contains(buf.String(), tt.want) {
				t.Errorf("logged %q, want %s", buf.String(), tt.want)
			}
			if w.Code != tt.err.status {
				t.Errorf("status %d, want %d", w.Code, tt.err.status)
			}
		})
	}
}
