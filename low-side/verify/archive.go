package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"bastion/guard/export"
	"bastion/shared/batch"
	"bastion/shared/merkle"
)

// MaxProblems bounds the problems a report lists; the count goes on.
const MaxProblems = 100

// Report is the outcome of checking an export directory.
type Report struct {
	Dir       string      `json:"dir"`
	Key       string      `json:"key"`      // key name
	Batches   uint64      `json:"batches"`  // batch files checked
	Withheld  uint64      `json:"withheld"` // of which withheld
	Entries   uint64      `json:"entries"`  // full entries that parsed
	Size      uint64      `json:"ledger_size"`
	Root      merkle.Hash `json:"root"`
	Chain     string      `json:"chain"`
	Problems  []Problem   `json:"problems"`
	More      int         `json:"more_problems"` // problems beyond MaxProblems
	IOFailure bool        `json:"io_failure"`    // a file could not be read
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(ps ...Problem) {
	for _, p := range ps {
		if p.Kind == KindIO {
			r.IOFailure = true
		}
		if len(r.Problems) < MaxProblems {
			r.Problems = append(r.Problems, p)
		} else {
			r.More++
		}
	}
}

// ErrNoBatches is returned by Archive for a directory without a batches
// folder.
var ErrNoBatches = errors.New("not an export directory")

// Archive checks the export directory dir with key: every batch file in
// sequence order through a Replay, then the checkpoint and chain-head
// files against the end of the replay. Problems go in the report; the
// error is non-nil only when dir cannot be listed.
func Archive(dir string, key *Key, limits batch.Limits) (*Report, error) {
	return ArchiveRing(dir, key.Ring(), limits)
}

// ArchiveRing is Archive with a key ring: each checkpoint and batch is
// checked with the key valid at its ledger size (KeyRing). The report's
// Key describes the ring (KeyRing.String).
func ArchiveRing(dir string, ring *KeyRing, limits batch.Limits) (*Report, error) {
	list, err := export.ListBatches(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoBatches, err)
	}
	rep := &Report{Dir: dir, Key: ring.String(), Problems: []Problem{}}
	for _, name := range list.Other {
		rep.add(problem(KindName, 0, "unexpected file %s in %s", name, export.BatchesDir))
	}
	rp := NewRingReplay(ring, limits)
	for i, f := range list.Files {
		if i > 0 && list.Files[i-1].Seq == f.Seq {
			rep.add(problem(KindOrder, f.Seq, "batch %d is both published and withheld", f.Seq))
			continue
		}
		raw, err := os.ReadFile(export.Path(dir, f))
		if err != nil {
			rep.add(problem(KindIO, f.Seq, "%v", err))
			continue
		}
		rep.add(rp.Add(f, raw)...)
		rep.Batches++
		if f.Withheld {
			rep.Withheld++
		}
	}
	rep.add(checkHead(dir, rp)...)
	h := rp.Head()
	rep.Entries, rep.Size, rep.Root, rep.Chain = rp.Entries(), h.Size, h.Root, fmt.Sprintf("%x", h.Chain)
	return rep, nil
}

// checkHead compares the checkpoint and chain-head files with the replay.
func checkHead(dir string, rp *Replay) []Problem {
	var ps []Problem
	h := rp.Head()
	note, err := os.ReadFile(filepath.Join(dir, export.CheckpointFile))
	switch {
	case errors.Is(err, fs.ErrNotExist) && h.Records == 0:
	case err != nil:
		ps = append(ps, problem(KindIO, 0, "%v", err))
	default:
		cp, err := rp.ring.Open(note)
		if err != nil {
			ps = append(ps, problem(KindHead, h.Seq, "published checkpoint does not open: %v", err))
		} else if cp.Size != h.Size || cp.Root != h.Root {
			ps = append(ps, problem(KindHead, h.Seq,
				"published checkpoint (size %d) is not the last batch's (size %d)", cp.Size, h.Size))
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, export.ChainHeadFile))
	if errors.Is(err, fs.ErrNotExist) && h.Records == 0 {
		return ps
	}
	if err != nil {
		return append(ps, problem(KindIO, 0, "%v", err))
	}
	got, err := export.ParseChainHead(b)
	switch {
	case err != nil:
		ps = append(ps, problem(KindHead, 0, "%v", err))
	case got != h:
		ps = append(ps, problem(KindHead, h.Seq, "chain-head says %d records up to batch %d, size %d; "+
			"the batches give %d records up to batch %d, size %d, or a different chain hash",
			got.Records, got.Seq, got.Size, h.Records, h.Seq, h.Size))
	}
	return ps
}
