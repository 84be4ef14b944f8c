package node

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestRaftLogClosedConnection checks that Raft's error about its own
// connection closing at shutdown is logged at debug level, and any other
// error still at error level.
func TestRaftLogClosedConnection(t *testing.T) {
	var buf bytes.Buffer
	l := newRaftLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	closed := &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed}
	l.Log(hclog.Error, "failed to accept connection", "error", closed)
	if buf.Len() != 0 {
		t.Errorf("closed connection logged above debug: %s", buf.String())
	}
	l.Log(hclog.Error, "failed to append to logs", "error", fmt.Errorf("disk: %w", errors.New("no space left")))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("a real error was not logged at error level: %q", buf.String())
	}
}
