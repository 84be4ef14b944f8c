package portal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
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
	// RootHex is the root in hex, as the terminal, summary.json and
	// bastion-verify show it; Checkpoint.Root is the note's base64 form.
	RootHex   string    `json:"root_hex,omitempty"`
	Published time.Time `json:"published"` // when the guard wrote it (file time, UTC)
	Verified  bool      `json:"verified"`  // signatures re-verified with the published keys
	Checked   bool      `json:"checked"`   // whether re-verification was attempted
	// Verification says in words what Verified and Checked mean here.
	Verification string `json:"verification"`
	Error        string `json:"error,omitempty"`
	ChainHead    string `json:"chain_head,omitempty"` // guard archive chain head
}

// Verification texts of CheckpointStatus.
const (
	verifiedText   = "signature verified with the high side's published key"
	failedText     = "signature does not verify with the high side's published key"
	uncheckedText  = "not checked: the portal has no high-side key (start it with --high-side-key)"
	unreadableText = "not checked: the checkpoint does not parse"
)

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
		return CheckpointStatus{Error: err.Error(), Verification: unreadableText}
	}
	st := CheckpointStatus{Checkpoint: &c, RootHex: rootHex(c.Root), Verification: uncheckedText}
	if s.cfg.Verify != nil {
		st.Checked, st.Verification = true, failedText
		if err := s.cfg.Verify(note); err != nil {
			st.Error = "signature check failed: " + err.Error()
		} else {
			st.Verified, st.Verification = true, verifiedText
		}
	}
	return st
}

// rootHex returns the hex form of a base64 root, or "" when it does not
// decode.
func rootHex(b64 string) string {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(raw)
}
