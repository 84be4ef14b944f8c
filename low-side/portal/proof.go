package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bastion/low-side/report"
	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
)

// proofView is the proof page's content: the form, and the proof with the
// server's own verification of it when an index was asked for.
type proofView struct {
	Index    string // as entered
	Held     int    // leaves the portal holds
	Error    string
	Proof    *verify.Proof
	Entry    *entryView
	Cp       checkpoint.Checkpoint
	PathOK   bool   // the path leads to the checkpoint root
	SigState string // "verified", "failed: ..." or "not checked"
}

// entryView is the part of a proven entry the page shows.
type entryView struct {
	Type, ID, Actor, Time string
	Label                 string
}

// errNotProvable is the public message for an index the portal cannot
// prove (yet).
var errNotProvable = errors.New("no signed checkpoint held here covers that ledger index yet")

func (s *Server) proofPage(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("index")
	v := proofView{Index: Clip(raw), Held: s.cfg.Export.Leaves().Len()}
	status := http.StatusOK
	if raw != "" {
		status = s.fillProof(&v, raw)
	}
	s.renderStatus(w, r, status, "proof", "layout", page{Title: "Inclusion proof", Nav: "proof", Data: v})
}

// fillProof builds and re-verifies the proof of the ledger index raw and
// returns the page's status: 400 for an index that is not one, 404 for
// one no checkpoint held here covers.
func (s *Server) fillProof(v *proofView, raw string) int {
	idx, err := strconv.ParseUint(raw, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		v.Error = fmt.Sprintf("ledger index %q is beyond any ledger (at most 20 digits)", v.Index)
		return http.StatusBadRequest
	case err != nil:
		v.Error = fmt.Sprintf("ledger index %q is not a whole number", v.Index)
		return http.StatusBadRequest
	}
	p, err := s.buildProof(idx)
	if err != nil {
		v.Error = err.Error()
		return http.StatusNotFound
	}
	v.Proof = p
	v.Entry = describeEntry(p.Entry)
	v.Cp, v.PathOK, v.SigState = s.recheck(p)
	return http.StatusOK
}

// buildProof makes the proof of ledger index idx against the newest
// checkpoint that covers every leaf the portal holds.
func (s *Server) buildProof(idx uint64) (*verify.Proof, error) {
	leaves := s.cfg.Export.Leaves()
	hashes, blocks, note := leaves.Proven()
	if idx >= uint64(len(hashes)) {
		return nil, errNotProvable
	}
	path, err := verify.InclusionPathBlocks(hashes, blocks, report.LeafBlock, idx)
	if err != nil {
		return nil, errNotProvable
	}
	p := &verify.Proof{Format: verify.ProofFormat, Index: idx, TreeSize: uint64(len(hashes)),
		LeafHash: hashes[idx], Path: path, Checkpoint: string(note)}
	if seq, ok := leaves.BatchOf(idx); ok {
		if b, err := s.cfg.Dir.ReadBatch(seq); err == nil && idx-b.First < uint64(len(b.Items)) {
			p.Entry = b.Items[idx-b.First].Entry
		}
	}
	return p, nil
}

// recheck verifies p here: the path against the note's root and, when the
// portal has the published key, the note's signatures.
func (s *Server) recheck(p *verify.Proof) (checkpoint.Checkpoint, bool, string) {
	var cp checkpoint.Checkpoint
	n, err := checkpoint.ParseNote([]byte(p.Checkpoint))
	if err == nil {
		cp, err = checkpoint.Parse(n.Text)
	}
	if err != nil {
		return cp, false, "failed: " + err.Error()
	}
	pathOK := p.VerifyAgainst(cp) == nil
	switch {
	case s.cfg.Verify == nil:
		return cp, pathOK, "not checked: the portal was started without the high side's published key"
	case s.cfg.Verify([]byte(p.Checkpoint)) != nil:
		return cp, pathOK, "failed: the signatures do not verify with the published key"
	}
	return cp, pathOK, "verified"
}

// describeEntry decodes what the page shows of an entry; nil when withheld.
func describeEntry(raw []byte) *entryView {
	if raw == nil {
		return nil
	}
	env, err := entry.Decode(raw)
	if err != nil {
		return &entryView{Type: "undecodable"}
	}
	return &entryView{Type: string(env.Type), ID: env.ID, Actor: env.Actor,
		Time: env.Timestamp().Format(time.RFC3339Nano), Label: env.Label.String()}
}

// proofFile sends the proof of /proof/{index}.json as a download.
func (s *Server) proofFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	digits, ok := strings.CutSuffix(name, ".json")
	idx, err := strconv.ParseUint(digits, 10, 64)
	if !ok || err != nil {
		s.fail(w, r, http.StatusNotFound, "want /proof/INDEX.json", nil)
		return
	}
	p, err := s.buildProof(idx)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err.Error(), nil)
		return
	}
	b := p.Marshal()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Content-Disposition", `attachment; filename="proof-`+digits+`.json"`)
	w.Write(b)
}
