package portal

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"time"

	"bastion/low-side/report"
)

// CheckpointStatus is the latest checkpoint the guard published and what
// the portal made of it.
type CheckpointStatus struct {
	Checkpoint *report.Checkpoint `json:"checkpoint,omitempty"`
	Published  time.Time          `json:"published"` // when the guard wrote it (file time, UTC)
	Verified   bool               `json:"verified"`  // signatures re-verified with the published keys
	Checked    bool               `json:"checked"`   // whether re-verification was attempted
	Error      string             `json:"error,omitempty"`
	ChainHead  string             `json:"chain_head,omitempty"` // guard archive chain head
}

// checkpointCache keeps the verdict on the last note read, so that a
// signature is verified once per new checkpoint, not once per request.
type checkpointCache struct {
	mu   sync.Mutex
	note []byte
	st   CheckpointStatus
}

// checkpointStatus reads, parses and (when configured) verifies the
// latest checkpoint.
func (s *Server) checkpointStatus() CheckpointStatus {
	note, err := s.cfg.Dir.Checkpoint()
	if err != nil {
		return CheckpointStatus{Error: "no checkpoint published yet"}
	}
	head, _ := s.cfg.Dir.ChainHead()

	s.cp.mu.Lock()
	defer s.cp.mu.Unlock()
	if s.cp.note == nil || !bytes.Equal(note, s.cp.note) {
		s.cp.note, s.cp.st = note, s.judge(note)
	}
	st := s.cp.st
	st.ChainHead = head
	if fi, err := os.Stat(filepath.Join(s.cfg.Dir.Root, "checkpoint")); err == nil {
		st.Published = fi.ModTime().UTC().Truncate(time.Second)
	}
	return st
}

// judge parses note and re-verifies its signatures.
func (s *Server) judge(note []byte) CheckpointStatus {
	c, err := report.ParseCheckpoint(note)
	if err != nil {
		return CheckpointStatus{Error: err.Error()}
	}
	st := CheckpointStatus{Checkpoint: &c}
	if s.cfg.Verify != nil {
		st.Checked = true
		if err := s.cfg.Verify(note); err != nil {
			st.Error = "signature check failed: " + err.Error()
		} else {
			st.Verified = true
		}
	}
	return st
}
