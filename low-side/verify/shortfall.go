package verify

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"bastion/shared/checkpoint"
)

// shortfall tallies the checkpoints whose cosignatures by the keys given
// fall short of the quorum, so that an archive reports them once
// (KindQuorum) instead of once per batch. The replay goes on past them:
// the hybrid signature, the chain, the proofs and the leaves do not
// depend on the cosignatures, and a ledger that stops at the first such
// checkpoint would then differ from the chain-head as if truncated.
type shortfall struct {
	n      int             // checkpoints that fell short
	sizes  map[uint64]bool // their sizes, each counted once
	first  *QuorumError
	size   uint64   // size of the first
	seq    uint64   // first batch concerned, 0: none yet
	last   uint64   // last batch concerned
	others []string // QuorumError.Others of every one, in order of appearance
}

// add counts the checkpoint of size, in batch seq (0: none), that fell
// short with e. A size already counted is not counted again.
func (s *shortfall) add(seq, size uint64, e *QuorumError) {
	if s.sizes == nil {
		s.sizes = map[uint64]bool{}
	}
	if seq > 0 {
		s.seq, s.last = minSeq(s.seq, seq), max(s.last, seq)
	}
	for _, o := range e.Others {
		if !slices.Contains(s.others, o) {
			s.others = append(s.others, o)
		}
	}
	if s.sizes[size] {
		return
	}
	s.sizes[size] = true
	s.n++
	if s.first == nil {
		s.first, s.size = e, size
	}
}

// minSeq is the smaller of two batch numbers, 0 meaning none yet.
func minSeq(a, b uint64) uint64 {
	if a == 0 {
		return b
	}
	return min(a, b)
}

// problem returns the tally as one problem, nil when nothing fell short:
// one shortfall however many checkpoints it concerns. The batches say
// where; the detail counts the checkpoints and names the quorum, the
// first checkpoint's cosignatures and, when the quorum is the default
// majority and other nodes cosigned (QuorumError.KeysPartial), why the
// ledger cannot be judged with the keys given.
func (s *shortfall) problem(r *KeyRing) []Problem {
	if s.n == 0 {
		return nil
	}
	e, keys := s.first, strings.Join(r.cosignerNames(), ", ")
	what, quorum := plural(s.n, "checkpoint")+" lack", "quorum"
	if s.n == 1 {
		what = "1 checkpoint lacks"
	}
	if e.Majority {
		quorum = "default quorum"
	}
	detail := fmt.Sprintf("%s the %s of %s by the keys given (%s); the first, of size %d: %s",
		what, quorum, plural(e.Required, "cosignature"), keys, s.size, e.count())
	if e.Majority && len(s.others) > 0 {
		detail += "; " + keysPartial(s.others, e.Required)
	}
	p := problem(KindQuorum, s.seq, "%s", detail)
	p.LastSeq = s.last
	return []Problem{p}
}

// cosigned checks the cosignatures of note, a checkpoint of size, in
// batch seq (0: none). A quorum shortfall is tallied and is not an error;
// any other failure, such as a bad cosignature line of a node given, is
// returned.
func (r *Replay) cosigned(seq, size uint64, note []byte) error {
	_, err := r.ring.checkCosignatures(note)
	var qe *QuorumError
	if errors.As(err, &qe) {
		r.short.add(seq, size, qe)
		return nil
	}
	return err
}

// openCounted is KeyRing.Open for the archive's proof files: the hybrid
// signature must verify, and a cosignature quorum shortfall is tallied
// (cosigned) instead of failing the opening.
func (r *Replay) openCounted(note []byte) (checkpoint.Checkpoint, error) {
	cp, err := r.ring.openSigned(note)
	if err == nil {
		err = r.cosigned(0, cp.Size, note)
	}
	if err != nil {
		return checkpoint.Checkpoint{}, err
	}
	return cp, nil
}
