package verify

import (
	"encoding/binary"
	"fmt"

	"bastion/guard/export"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// Replay rebuilds the ledger from batch files in sequence order and checks
// each against what came before. The zero value is not usable; call
// NewReplay. A Replay is not safe for concurrent use.
type Replay struct {
	ring   *KeyRing
	limits batch.Limits

	link     string                // link of the first batch
	records  uint64                // files taken
	seq      uint64                // seq of the last file
	prev     checkpoint.Checkpoint // last checkpoint opened
	prevNote []byte
	tree     merkle.Compact
	treeOK   bool // tree holds every leaf so far
	chain    export.Chain
	resync   bool   // the previous file is missing or unreadable
	nEntries uint64 // full entries parsed

	tiles *tileCheck             // the export's tile tree, nil: not checked
	roots map[uint64]merkle.Hash // root of every checkpoint opened, by size

	short shortfall // checkpoints short of the cosignature quorum

	signed uint64                 // batch signatures that verified
	opened uint64                 // new checkpoints that opened
	watch  map[uint64]merkle.Hash // roots recorded at watched sizes
	seen   map[uint64]bool        // which watched sizes were reached
}

// NewReplay returns a Replay at the empty ledger that checks every
// signature with k.
func NewReplay(k *Key, limits batch.Limits) *Replay {
	return NewRingReplay(k.Ring(), limits)
}

// NewRingReplay returns a Replay at the empty ledger that checks each
// signature with the key of ring valid at the record's ledger size.
func NewRingReplay(ring *KeyRing, limits batch.Limits) *Replay {
	return &Replay{ring: ring, limits: limits, treeOK: true, chain: export.GenesisChain(),
		prev: checkpoint.Checkpoint{Root: merkle.EmptyRoot()}, roots: map[uint64]merkle.Hash{}}
}

// Add checks the file f with content raw, the next in sequence order, and
// advances the state. It returns the problems found, first one first; a
// checkpoint short of the cosignature quorum is not one of them but is
// tallied, for ArchiveWith to report once.
func (r *Replay) Add(f export.File, raw []byte) []Problem {
	var ps []Problem
	if want := r.seq + 1; f.Seq != want && (r.records > 0 || f.Seq > 1) {
		ps = append(ps, problem(KindMissing, f.Seq, "%s", missingBatches(want, f.Seq-1)))
		r.treeOK, r.resync = false, true
	}
	var s *step
	if f.Withheld {
		s, ps = r.withheld(f, raw, ps)
	} else {
		s, ps = r.batch(f, raw, ps)
	}
	r.records, r.seq = r.records+1, f.Seq
	if s == nil {
		r.treeOK, r.resync = false, true
		return ps
	}
	r.chain = export.NextChain(r.chain, f.Seq, raw, s.note)
	return append(ps, r.advance(s)...)
}

// step is what one file claims: its range, checkpoints, proof and leaves.
type step struct {
	seq      uint64
	first    uint64
	prevNote []byte
	note     []byte
	proof    []merkle.Hash
	leaves   []merkle.Hash
	entries  [][]byte // entry of each leaf, nil where not published
}

// advance checks the checkpoints, proof and leaves of s and moves to its
// checkpoint when its hybrid signature verifies. Its cosignatures are
// checked beside the chain: a bad line is a problem, a quorum shortfall
// is tallied (cosigned), and neither stops the replay.
func (r *Replay) advance(s *step) []Problem {
	var ps []Problem
	next, err := r.ring.openSigned(s.note)
	if err != nil {
		r.treeOK, r.resync = false, true
		return append(ps, problem(KindCheckpoint, s.seq, "new checkpoint: %v", err))
	}
	r.opened++
	r.record(next.Size, next.Root)
	var cps []Problem
	if err := r.cosigned(s.seq, next.Size, s.note); err != nil {
		cps = []Problem{problem(KindCheckpoint, s.seq, "new checkpoint: %v", err)}
	}
	ps = append(ps, r.fork(s.seq, next, "new checkpoint")...)
	prev, err := r.openPrev(s)
	if err == nil && len(s.prevNote) > 0 {
		ps = append(ps, r.fork(s.seq, prev, "previous checkpoint")...)
	}
	switch {
	case len(ps) > 0:
	case err != nil:
		ps = append(ps, problem(KindCheckpoint, s.seq, "previous checkpoint: %v", err))
	case r.resync:
		// The chain resumes here; what linked it to the last file is gone.
	case prev.Size != r.prev.Size || prev.Root != r.prev.Root || r.records > 1 && prev.Origin != r.prev.Origin:
		ps = append(ps, problem(KindChain, s.seq, "previous checkpoint (size %d) is not the last one (size %d)",
			prev.Size, r.prev.Size))
	case prev.Size != s.first || next.Size != s.first+uint64(len(s.leaves)):
		ps = append(ps, problem(KindChain, s.seq, "checkpoints of sizes %d and %d cover %s, the batch holds %s",
			prev.Size, next.Size, indexes(prev.Size, next.Size), indexes(s.first, s.first+uint64(len(s.leaves)))))
	default:
		if err := merkle.VerifyConsistency(prev.Size, next.Size, prev.Root, next.Root, s.proof); err != nil {
			ps = append(ps, problem(KindProof, s.seq, "consistency proof from size %d to size %d: %v", prev.Size, next.Size, err))
		}
	}
	if len(ps) > 0 {
		r.treeOK = false
	}
	ps = append(ps, r.recompute(s, next)...)
	r.prev, r.prevNote, r.resync = next, s.note, false
	return append(cps, ps...)
}

// fork records the root of an opened checkpoint and reports a signed
// checkpoint of the same size seen before with another root.
func (r *Replay) fork(seq uint64, cp checkpoint.Checkpoint, what string) []Problem {
	old, ok := r.roots[cp.Size]
	if !ok {
		r.roots[cp.Size] = cp.Root
		return nil
	}
	if old == cp.Root {
		return nil
	}
	return []Problem{problem(KindFork, seq, "%s of size %d has root %s; another signed checkpoint "+
		"of that size has %s", what, cp.Size, cp.Root, old)}
}

// openPrev opens a step's previous checkpoint with its hybrid signature;
// an empty one is the empty tree, allowed only at ledger index 0. Its
// cosignatures were checked as the previous batch's new checkpoint.
func (r *Replay) openPrev(s *step) (checkpoint.Checkpoint, error) {
	if len(s.prevNote) == 0 && s.first == 0 {
		return checkpoint.Checkpoint{Origin: r.prev.Origin, Root: merkle.EmptyRoot()}, nil
	}
	return r.ring.openSigned(s.prevNote)
}

// recompute appends the leaves and compares the root with next.
func (r *Replay) recompute(s *step, next checkpoint.Checkpoint) []Problem {
	if !r.treeOK {
		if r.tiles != nil {
			r.tiles.broken = true
		}
		return nil
	}
	for _, h := range s.leaves {
		r.tree.Append(h)
		if r.watch != nil {
			r.record(r.tree.Size(), r.tree.Root())
		}
	}
	if r.tree.Size() != next.Size || r.tree.Root() != next.Root {
		r.treeOK = false
		return []Problem{problem(KindRoot, s.seq,
			"recomputed root %s at size %d differs from the checkpoint's %s at size %d; "+
				"the change lies in %s",
			r.tree.Root(), r.tree.Size(), next.Root, next.Size, indexes(s.first, s.first+uint64(len(s.leaves))))}
	}
	if r.tiles != nil {
		return r.tiles.add(s.seq, s.first, s.leaves, s.entries)
	}
	return nil
}

// batch parses and checks an accepted batch file.
func (r *Replay) batch(f export.File, raw []byte, ps []Problem) (*step, []Problem) {
	b, err := batch.Parse(raw, r.limits)
	if err != nil {
		kind, detail := malformed(raw, err)
		if kind == KindFormat {
			if d, ok := r.originMismatch(raw); ok {
				detail = d
			}
		}
		return nil, append(ps, problem(kind, f.Seq, "%s", detail))
	}
	if b.Seq != f.Seq {
		ps = append(ps, problem(KindOrder, f.Seq, "file %s holds batch %d", f.Name(), b.Seq))
	}
	if r.link == "" {
		r.link = b.Link
	} else if b.Link != r.link {
		ps = append(ps, problem(KindFormat, f.Seq, "link %q, earlier batches %q", b.Link, r.link))
	}

	// The signature is checked while the entries are parsed.
	sig := make(chan error, 1)
	go func() {
		sig <- r.ring.verifyBatch(raw, r.limits, b.End())
	}()
	entries := r.entries(b)
	s := &step{seq: f.Seq, first: b.First, prevNote: b.Prev, note: b.Checkpoint, proof: b.Proof,
		leaves: make([]merkle.Hash, len(b.Items)), entries: make([][]byte, len(b.Items))}
	for i, it := range b.Items {
		s.leaves[i], s.entries[i] = it.Hash, it.Entry
	}
	if err := <-sig; err != nil {
		ps = append(ps, r.modified(s)...)
		ps = append(ps, problem(KindSignature, f.Seq, "%v", err))
	} else {
		r.signed++
	}
	return s, append(ps, entries...)
}

// entries parses every full entry, a large batch on every CPU, and counts
// those before the first failure, which is named by index.
func (r *Replay) entries(b *batch.Batch) []Problem {
	errs := parseEntries(b.Items)
	for i, it := range b.Items {
		if it.Entry == nil {
			continue
		}
		if err := errs[i]; err != nil {
			p := problem(KindEntry, b.Seq, "%v", err)
			p.Index = int64(b.First) + int64(i)
			return []Problem{p}
		}
		r.nEntries++
	}
	return nil
}

// modified names the first entry of a batch whose signature failed that
// differs from the published level-0 tile: the tiles were written from
// the genuine batch, so that entry is the one changed.
func (r *Replay) modified(s *step) []Problem {
	if r.tiles == nil {
		return nil
	}
	i, ok := r.tiles.modified(s.first, s.leaves)
	if !ok {
		return nil
	}
	p := problem(KindModified, s.seq, "leaf hash %s differs from the published tile's; the entry was changed",
		s.leaves[i-s.first])
	p.Index = int64(i)
	return []Problem{p}
}

// withheld parses a withheld file.
func (r *Replay) withheld(f export.File, raw []byte, ps []Problem) (*step, []Problem) {
	w, err := export.ParseWithheld(raw)
	if err != nil {
		return nil, append(ps, problem(KindFormat, f.Seq, "%v", err))
	}
	if w.Seq != f.Seq {
		ps = append(ps, problem(KindOrder, f.Seq, "file %s holds batch %d", f.Name(), w.Seq))
	}
	return &step{seq: f.Seq, first: w.First, prevNote: w.Prev, note: w.Checkpoint,
		proof: w.Proof, leaves: w.Leaves}, ps
}

// Head returns what the replay has rebuilt so far.
func (r *Replay) Head() export.ChainHead {
	return export.ChainHead{Records: r.records, Seq: r.seq, Chain: r.chain,
		Size: r.prev.Size, Root: r.prev.Root}
}

// Checkpoint returns the last checkpoint note taken.
func (r *Replay) Checkpoint() []byte { return r.prevNote }

// Entries returns the number of full entries that parsed.
func (r *Replay) Entries() uint64 { return r.nEntries }

// malformed describes a batch file that does not parse. A file cut short
// leaves arbitrary bytes where the trailer's signature length (its last
// four bytes, see batch) should be; that is named as truncation
// (KindTruncated) rather than quoted as a huge length.
func malformed(raw []byte, err error) (Kind, string) {
	if len(raw) < 4 {
		return KindTruncated, fmt.Sprintf("truncated or malformed (%d bytes, too short for the trailer)", len(raw))
	}
	n := binary.BigEndian.Uint32(raw[len(raw)-4:])
	if n == 0 || n > batch.MaxSignatureSize || int64(n) > int64(len(raw)-4) {
		return KindTruncated, fmt.Sprintf("truncated or malformed (length field %d exceeds file of %d bytes)",
			n, len(raw))
	}
	return KindFormat, err.Error()
}

// Watch asks the replay to record the ledger root when it reaches each of
// sizes, for RootAt. Call it before the first Add.
func (r *Replay) Watch(sizes ...uint64) {
	if r.watch == nil {
		r.watch, r.seen = map[uint64]merkle.Hash{}, map[uint64]bool{}
	}
	for _, n := range sizes {
		r.watch[n] = merkle.Hash{}
	}
	if _, ok := r.watch[0]; ok {
		r.record(0, merkle.EmptyRoot())
	}
}

// record keeps root as the root at size n when n is watched. A root
// recomputed from the leaves replaces one taken from a checkpoint.
func (r *Replay) record(n uint64, root merkle.Hash) {
	if _, ok := r.watch[n]; ok {
		r.watch[n], r.seen[n] = root, true
	}
}

// RootAt returns the root recorded at a watched size n, and false when
// the replay has not reached n with a root it could rebuild or open.
func (r *Replay) RootAt(n uint64) (merkle.Hash, bool) {
	return r.watch[n], r.seen[n]
}

// Verified reports how many batch signatures verified and how many
// checkpoints opened so far: both zero after files were taken means no
// key of the ring signed anything here.
func (r *Replay) Verified() (signatures, checkpoints uint64) { return r.signed, r.opened }
