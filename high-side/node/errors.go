package node

import (
	"errors"
	"fmt"
)

// Errors returned by the node.
var (
	// ErrNotLeader is wrapped by every *NotLeaderError.
	ErrNotLeader = errors.New("not the leader")
	// ErrShutdown is returned for work submitted to, or pending in, a node
	// that is shutting down.
	ErrShutdown = errors.New("node is shut down")
	// ErrHalted is returned once the state file could not be written; the
	// node must be restarted.
	ErrHalted = errors.New("node halted after a storage failure")
)

// NotLeaderError is returned by a follower for writes. Leader is the
// leader's gateway address, where the client should resend, and LeaderID
// its node ID; both are empty while no leader is known. The write was not
// recorded, but a write interrupted by a leadership change may have been:
// resending it under the same ID is safe.
type NotLeaderError struct {
	LeaderID string
	Leader   string
}

func (e *NotLeaderError) Error() string {
	if e.LeaderID == "" {
		return "not the leader, and no leader is known"
	}
	return fmt.Sprintf("not the leader: the leader is %s at %s", e.LeaderID, e.Leader)
}

// Unwrap returns ErrNotLeader.
func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }
