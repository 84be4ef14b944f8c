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
	// TornBytes counts the bytes of a torn last guard log line, left by
	// a crash in the middle of a write, that were not checked (the guard
	// cuts them at its next start). Only SelfCheckStopped sees them.
	TornBytes int64
	Err       error // archive or log corruption, or I/O failure
}

// OK reports whether the self-check found nothing wrong.
func (s SelfCheck) OK() bool { return s.Err == nil && len(s.Problems) == 0 }

// String summarises the result for the guard log.
func (s SelfCheck) String() string {
	var msg string
	if s.OK() {
		msg = fmt.Sprintf("self-check passed: %d records, ledger size %d, %d log lines",
			s.Records, s.Size, s.LogLines)
	} else {
		msg = fmt.Sprintf("self-check FAILED after %d records:", s.Records)
		if s.Err != nil {
			msg += " " + s.Err.Error()
		}
		if len(s.Problems) > 0 {
			msg += fmt.Sprintf(" %d problems, first: %s", len(s.Problems), s.Problems[0])
		}
	}
	if s.TornBytes > 0 {
		msg += fmt.Sprintf("; %d bytes of a torn last log line not checked (cut at the guard's next start)",
			s.TornBytes)
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
	res := checkArchive(g.arch, g.trust, g.limits)
	res.LogLines, res.Err = g.verifyLog(res.Err)
	g.metrics.selfCheck(res.OK())
	g.event("selfcheck", res.String(), 0)
	g.Sync()
	return res
}

// SelfCheckStopped runs the checks of SelfCheck on the state directory of
// cfg while no guard runs, and writes nothing: the archive is opened read
// only, the guard log is only read and the export directory is not
// touched, so the result goes to the caller alone. Only the high-side key
// and transition files, the link and the limits of cfg are used besides
// its state directory. The error is for a check that could not start: a
// key or transition file that does not load, an archive that does not
// open, or one locked by a running guard (an error saying so and how to
// read that guard's own check instead).
func SelfCheckStopped(cfg *Config) (SelfCheck, error) {
	trust, err := LoadTrust(cfg.HighSideKeyFile, cfg.Link, cfg.HighSideTransitions...)
	if err != nil {
		return SelfCheck{}, err
	}
	path := filepath.Join(cfg.StateDir, ArchiveFile)
	arch, err := archive.OpenReadOnly(path)
	if errors.Is(err, archive.ErrLocked) {
		return SelfCheck{}, lockedError(cfg, path)
	}
	if err != nil {
		return SelfCheck{}, err
	}
	defer arch.Close()
	res := checkArchive(arch, trust, cfg.Limits.withDefaults())
	lines, torn, err := auditlog.VerifyFile(filepath.Join(cfg.StateDir, LogFile))
	res.LogLines, res.TornBytes, res.Err = lines, torn, errors.Join(res.Err, err)
	return res, nil
}

// lockedError says that the archive at path is held by a running guard and
// where that guard's own self-check can be read.
func lockedError(cfg *Config, path string) error {
	where := fmt.Sprintf("its guard log lines with stage \"selfcheck\" in %s",
		filepath.Join(cfg.StateDir, LogFile))
	if cfg.MetricsListen != "" {
		where += fmt.Sprintf(" and the gauge bastion_guard_selfcheck_ok at http://%s/metrics",
			cfg.MetricsListen)
	}
	return fmt.Errorf("failed to open archive: %s is locked by a running guard (waited %v): "+
		"stop the guard to check offline, or read the check the running guard makes every %.0f hours: %s",
		path, archive.LockTimeout, SelfCheckInterval.Hours(), where)
}

// checkArchive walks arch as SelfCheck describes, with the key ring of
// trust and the batch limits of limits. The log fields are left empty.
func checkArchive(arch *archive.Archive, trust *Trust, limits Limits) SelfCheck {
	var res SelfCheck
	rp := verify.NewRingReplay(trust.Ring, batchLimits(limits))
	head, err := arch.VerifyChain(func(r *archive.Record) error {
		res.Problems = append(res.Problems, rp.Add(fileOf(r), r.File)...)
		return nil
	})
	res.Records, res.Size = head.Records, head.Size
	if err == nil && (rp.Head().Root != head.Root || rp.Head().Chain != head.Chain) {
		err = fmt.Errorf("%w: replayed root or chain differs from the stored head", archive.ErrCorrupt)
	}
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
