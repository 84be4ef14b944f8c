package gateway

import (
	"fmt"
	"net/http"
)

// LeaderLocator is implemented by a Submitter that is one node of a
// cluster in which only the leader takes writes (a node). When a write
// fails on a node that does not lead, the gateway answers 503 naming the
// leader, where the client should send it again; without it a failed
// write answers 503 with a message of its route.
type LeaderLocator interface {
	// IsLeader reports whether this node leads and takes writes.
	IsLeader() bool
	// Leader returns the leader's node ID and gateway address, both empty
	// while no leader is known.
	Leader() (id, gateway string)
}

// writeFailed maps the error of a write the Submitter did not record to
// a 503: naming the leader on a node that does not lead (see
// LeaderLocator), else with public. The cause is logged, never sent.
func (h *handler) writeFailed(public string, err error) *apiError {
	l, ok := h.sub.(LeaderLocator)
	if !ok || l.IsLeader() {
		return &apiError{status: http.StatusServiceUnavailable, public: public, cause: err}
	}
	id, gw := l.Leader()
	public = "not the leader, and no leader is known; try again once one is elected"
	if id != "" {
		public = fmt.Sprintf("not the leader: the leader is %s at %s", id, gw)
	}
	return &apiError{status: http.StatusServiceUnavailable, public: public, cause: err, follower: true}
}
