package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"bastion/guard/export"
	"bastion/shared/batch"
	"bastion/shared/merkle"
)

// MaxProblems bounds the distinct problems a report lists; the count
// goes on.
const MaxProblems = 100

// Report is the outcome of checking an export directory.
type Report struct {
	Dir       string      `json:"dir"`
	Key       string      `json:"key"`       // key name
	Cosigners string      `json:"cosigners"` // KeyRing.CosignerPolicy
	Batches   uint64      `json:"batches"`   // batch files checked
	Withheld  uint64      `json:"withheld"`  // of which withheld
	Entries   uint64      `json:"entries"`   // full entries that parsed
	Size      uint64      `json:"ledger_size"`
	Root      merkle.Hash `json:"root"`
	Chain     string      `json:"chain"`
	Problems  []Problem   `json:"problems"`          // each distinct problem once, see Problem
	More      int         `json:"more_problems"`     // problems beyond MaxProblems
	IOFailure bool        `json:"io_failure"`        // a file could not be read
	Anchors   []Anchor    `json:"anchors,omitempty"` // independent checkpoints checked
	// Notes are findings that do not fail the verification, such as a
	// published key that differs from the one given.
	Notes []string `json:"notes,omitempty"`
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Count returns how many problems were found, repeats included.
func (r *Report) Count() int {
	n := r.More
	for _, p := range r.Problems {
		n += 1 + p.Repeats
	}
	return n
}

// add lists ps; a problem already listed is counted on its first line
// rather than listed again.
func (r *Report) add(ps ...Problem) {
	for _, p := range ps {
		if p.Kind == KindIO {
			r.IOFailure = true
		}
		if i := slices.IndexFunc(r.Problems, p.sameAs); i >= 0 {
			r.Problems[i].repeat(p.Seq)
		} else if len(r.Problems) < MaxProblems {
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
	return ArchiveWith(dir, ring, Options{Limits: limits})
}

// ArchiveWith is ArchiveRing with options: after the replay, the archive
// must reach each anchor's size, with the anchor's root at that size. The
// error is non-nil only when dir cannot be listed.
func ArchiveWith(dir string, ring *KeyRing, o Options) (*Report, error) {
	list, err := export.ListBatches(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoBatches, err)
	}
	rep := &Report{Dir: dir, Key: ring.String(), Cosigners: ring.CosignerPolicy(), Problems: []Problem{},
		Anchors: o.Anchors}
	var ps []Problem
	for _, name := range list.Other {
		ps = append(ps, problem(KindName, 0, "unexpected file %s in %s", name, export.BatchesDir))
	}

	// Replay every file in sequence order, rebuilding the tiles alongside
	// when there are any to compare with.
	rp := NewRingReplay(ring, o.Limits)
	tc, tps := newTileCheck(dir)
	if tc.any() {
		rp.tiles = tc
	}
	for _, a := range o.Anchors {
		rp.Watch(a.Size)
	}
	rps := replayAll(dir, list, rp, rep)

	// Compare the end with the tiles, the published files, the proof
	// files and the anchors.
	var fps []Problem
	h := rp.Head()
	switch {
	case rp.tiles == nil:
		tps = append(noTiles(tc, h.Size), tps...)
	case rp.treeOK:
		fps = tc.finish(h.Seq, h.Size, h.Root)
	}
	if rp.tiles != nil {
		fps = append(tc.missingProblems(), fps...)
	}
	hps := checkHead(dir, rp)
	if len(list.Files) == 0 {
		// Without batches the tiles all lie beyond the end: the cause,
		// missing batches under a checkpoint that claims them, goes first.
		ps = slices.Concat(ps, noBatches(dir), hps, tps, rps, fps)
	} else {
		ps = slices.Concat(ps, tps, rps, fps, hps)
	}
	ps = append(ps, checkRecordProofs(dir, rp)...)
	ps = append(ps, checkAnchors(rp, o.Anchors)...)

	// A cosignature quorum shortfall is said once, first: it concerns
	// the whole ledger, and the replay went on past it.
	rep.add(wrongKey(rp, ring, slices.Concat(rp.short.problem(ring), ps))...)
	rep.Notes = publishedKeyNotes(dir, ring)
	rep.Entries, rep.Size, rep.Root, rep.Chain = rp.Entries(), h.Size, h.Root, fmt.Sprintf("%x", h.Chain)
	return rep, nil
}

// replayAll adds every listed file to rp in sequence order and counts
// them in rep.
func replayAll(dir string, list export.Listing, rp *Replay, rep *Report) []Problem {
	var ps []Problem
	for i, f := range list.Files {
		if i > 0 && list.Files[i-1].Seq == f.Seq {
			ps = append(ps, problem(KindOrder, f.Seq, "batch %d is both published and withheld", f.Seq))
			continue
		}
		raw, err := os.ReadFile(export.Path(dir, f))
		if err != nil {
			ps = append(ps, problem(KindIO, f.Seq, "%v", err))
			continue
		}
		ps = append(ps, rp.Add(f, raw)...)
		rep.Batches++
		if f.Withheld {
			rep.Withheld++
		}
	}
	return ps
}

// noBatches reports an export without batch files whose chain-head
// names some: the batches it names are missing. An export without a
// chain-head either leaves the problem to checkHead.
func noBatches(dir string) []Problem {
	b, err := os.ReadFile(filepath.Join(dir, export.ChainHeadFile))
	if err != nil {
		return nil
	}
	h, err := export.ParseChainHead(b)
	if err != nil || h.Seq == 0 {
		return nil
	}
	return []Problem{problem(KindMissing, h.Seq, "%s: the %s folder holds no batch file, the chain-head names %d records up to batch %d",
		missingBatches(1, h.Seq), export.BatchesDir, h.Records, h.Seq)}
}

// wrongKey replaces the problems of an archive in which no batch signature
// verified and no checkpoint opened with one problem saying so: under a
// wrong key every file fails, and hundreds of lines hide the cause. Name
// and I/O problems are kept.
func wrongKey(rp *Replay, ring *KeyRing, ps []Problem) []Problem {
	sigs, cps := rp.Verified()
	first := -1
	for i, p := range ps {
		if p.Kind == KindSignature || p.Kind == KindCheckpoint {
			first = i
			break
		}
	}
	if sigs > 0 || cps > 0 || first < 0 {
		return ps
	}
	out := []Problem{problem(KindWrongKey, ps[first].Seq, "no batch verifies under key %s: wrong key? "+
		"(first failure: %s)", ring, ps[first].Detail)}
	for _, p := range ps {
		if p.Kind == KindIO || p.Kind == KindName {
			out = append(out, p)
		}
	}
	return out
}

// checkHead compares the checkpoint and chain-head files with the
// replay. Both must exist, even in an export without batches.
func checkHead(dir string, rp *Replay) []Problem {
	h := rp.Head()
	return append(checkCheckpointFile(dir, rp, h), checkChainHeadFile(dir, h)...)
}

// checkCheckpointFile compares the published checkpoint with the replay's
// end h.
func checkCheckpointFile(dir string, rp *Replay, h export.ChainHead) []Problem {
	note, err := os.ReadFile(filepath.Join(dir, export.CheckpointFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return []Problem{problem(KindHead, h.Seq, "%s file missing", export.CheckpointFile)}
	case err != nil:
		return []Problem{problem(KindIO, 0, "%v", err)}
	}
	cp, err := rp.ring.openSigned(note)
	if err == nil && !bytes.Equal(note, rp.Checkpoint()) {
		err = rp.cosigned(h.Seq, cp.Size, note)
	}
	if err != nil {
		return []Problem{problem(KindCheckpoint, h.Seq, "published checkpoint does not open: %v", err)}
	}
	if fork := rp.fork(h.Seq, cp, "published checkpoint"); fork != nil {
		return fork
	}
	switch {
	case h.Records == 0 && cp.Size > 0:
		return []Problem{problem(KindHead, 0, "published checkpoint claims size %d, but there are no batches", cp.Size)}
	case cp.Size != h.Size || cp.Root != h.Root:
		return []Problem{problem(KindHead, h.Seq,
			"published checkpoint (size %d) is not the last batch's (size %d)", cp.Size, h.Size)}
	}
	return nil
}

// checkChainHeadFile compares the chain-head file with the replay's end
// h, naming every field that differs.
func checkChainHeadFile(dir string, h export.ChainHead) []Problem {
	b, err := os.ReadFile(filepath.Join(dir, export.ChainHeadFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return []Problem{problem(KindHead, h.Seq, "%s file missing", export.ChainHeadFile)}
	case err != nil:
		return []Problem{problem(KindIO, 0, "%v", err)}
	}
	got, err := export.ParseChainHead(b)
	switch {
	case err != nil:
		return []Problem{problem(KindHead, 0, "%v", err)}
	case got != h:
		return []Problem{problem(KindHead, h.Seq, "chain-head differs from the batches: %s", headDiff(got, h))}
	}
	return nil
}

// headDiff lists the fields of chain-head got that differ from want, the
// batches' values, as "chain a1… (batches: b2…)".
func headDiff(got, want export.ChainHead) string {
	var parts []string
	num := func(name string, g, w uint64) {
		if g != w {
			parts = append(parts, fmt.Sprintf("%s %d (batches: %d)", name, g, w))
		}
	}
	num("records", got.Records, want.Records)
	num("seq", got.Seq, want.Seq)
	num("size", got.Size, want.Size)
	if got.Chain != want.Chain {
		parts = append(parts, fmt.Sprintf("chain %x (batches: %x)", got.Chain[:], want.Chain[:]))
	}
	if got.Root != want.Root {
		parts = append(parts, fmt.Sprintf("root %s (batches: %s)", got.Root, want.Root))
	}
	return strings.Join(parts, ", ")
}
