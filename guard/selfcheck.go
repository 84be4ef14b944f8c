package guard

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
	"bastion/low-side/verify"
)

// SelfCheck is the result of a self-verification of the archive and the
// guard log.
type SelfCheck struct {
	Records  uint64           // archive records walked
	Size     uint64           // ledger size rebuilt
	Problems []verify.Problem // Merkle, signature and chain problems found
	LogLines uint64           // guard log lines verified
	Err      error            // archive or log corruption, or I/O failure
}

// OK reports whether the self-check found nothing wrong.
func (s SelfCheck) OK() bool { return s.Err == nil && len(s.Problems) == 0 }

// String summarises the result for the guard log.
func (s SelfCheck) String() string {
	if s.OK() {
		return fmt.Sprintf("self-check passed: %d records, ledger size %d, %d log lines",
			s.Records, s.Size, s.LogLines)
	}
	msg := fmt.Sprintf("self-check FAILED after %d records:", s.Records)
	if s.Err != nil {
		msg += " " + s.Err.Error()
	}
	if len(s.Problems) > 0 {
		msg += fmt.Sprintf(" %d problems, first: %s", len(s.Problems), s.Problems[0])
	}
	return msg
}

// SelfCheck re-walks the archive: the record chain and stored head
// (archive.VerifyChain), and, with the verifier's own code, every batch's
// signature, checkpoints, consistency proof and leaf hashes up to the
// Merkle root; then the whole guard log's hash chain. The result is itself
// written to the guard log (stage "selfcheck") and returned. It runs
// beside the pipeline without stopping it.
func (g *Guard) SelfCheck() SelfCheck {
	res := g.selfCheck()
	g.metrics.selfCheck(res.OK())
	g.event("selfcheck", res.String(), 0)
	g.Sync()
	return res
}

func (g *Guard) selfCheck() SelfCheck {
	var res SelfCheck
	rp := verify.NewRingReplay(g.trust.Ring, batchLimits(g.limits))
	head, err := g.arch.VerifyChain(func(r *archive.Record) error {
		res.Problems = append(res.Problems, rp.Add(fileOf(r), r.File)...)
		return nil
	})
	res.Records, res.Size = head.Records, head.Size
	if err == nil && (rp.Head().Root != head.Root || rp.Head().Chain != head.Chain) {
		err = fmt.Errorf("%w: replayed root or chain differs from the stored head", archive.ErrCorrupt)
	}
	res.LogLines, err = g.verifyLog(err)
	res.Err = err
	return res
}

// verifyLog checks the guard log up to its current end and joins its error
// to prior.
func (g *Guard) verifyLog(prior error) (uint64, error) {
	f, err := os.Open(filepath.Join(filepath.Dir(g.arch.Path()), LogFile))
	if err != nil {
		return 0, errors.Join(prior, fmt.Errorf("failed to open guard log: %w", err))
	}
	defer f.Close()
	size, err := g.log.Size()
	if err != nil {
		return 0, errors.Join(prior, err)
	}
	n, _, err := auditlog.Verify(io.LimitReader(f, size))
	return n, errors.Join(prior, err)
}
