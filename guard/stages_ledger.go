package guard

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"bastion/guard/archive"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// ledger is the head that the ledger stages compare against: the archive
// head after every batch that passed the checking stages, including those
// still waiting for the archive commit (so batch n+1 is checked while
// batch n is being synced). Head.Chain is not kept: only the commit
// computes it. If a commit fails the pipeline stops, so nothing checked
// against an uncommitted head is ever published.
type ledger struct {
	head     archive.Head
	tree     *merkle.Compact
	prev     checkpoint.Checkpoint // opened head.Checkpoint (zero if none)
	inflight map[uint64]span       // checked batches not yet known committed
}

// span is the ledger range of a checked batch.
type span struct{ first, size uint64 }

// advance moves the head past c, which passed the checking stages.
func (l *ledger) advance(c *candidate) {
	l.head = archive.Head{Records: l.head.Records + 1, Seq: c.b.Seq, Size: c.ledgerSize,
		Root: c.tree.Root(), Checkpoint: c.b.Checkpoint}
	l.tree, l.prev = c.tree, c.next
	l.inflight[c.b.Seq] = span{c.ledgerFirst, c.ledgerSize}
}

// forget drops in-flight ranges at or below the committed seq.
func (l *ledger) forget(committed uint64) {
	for s := range l.inflight {
		if s <= committed {
			delete(l.inflight, s)
		}
	}
}

// sequenceStage (3) places the batch in the batch sequence: a seq already
// accepted is a repeat, a seq beyond the next expected one is held until
// the missing batches arrive, and the next one must start where the
// archive ends.
type sequenceStage struct {
	led  *ledger
	arch *archive.Archive
}

func (s *sequenceStage) name() string { return StageSequence }

func (s *sequenceStage) check(c *candidate) verdict {
	h, b := s.led.head, c.b
	if h.Records == 0 {
		if b.First != 0 {
			return hold("waiting for the batch that starts the ledger at index 0")
		}
		return pass("first batch of the archive")
	}
	switch {
	case b.Seq <= h.Seq:
		return s.repeat(c)
	case b.Seq > h.Seq+1:
		return hold("waiting for batches %d to %d", h.Seq+1, b.Seq-1)
	case b.First != h.Size:
		return reject("batch starts at ledger index %d, archive ends at %d", b.First, h.Size)
	}
	return pass("next after %d", h.Seq)
}

// repeat judges a batch whose seq is archived: the same ledger range is a
// carousel or failover resend, another range is a conflict.
func (s *sequenceStage) repeat(c *candidate) verdict {
	if sp, ok := s.led.inflight[c.b.Seq]; ok {
		if sp.first != c.ledgerFirst || sp.size != c.ledgerSize {
			return reject("conflicts with archived batch %d (ledger %d to %d)", c.b.Seq, sp.first, sp.size)
		}
		return ignore("repeat of archived batch %d, ignored", c.b.Seq)
	}
	r, ok, err := s.arch.Get(c.b.Seq)
	switch {
	case err != nil:
		return reject("failed to read archived batch %d: %v", c.b.Seq, err)
	case !ok:
		return reject("seq %d is before the archive's first batch", c.b.Seq)
	case r.First != c.ledgerFirst || r.Size != c.ledgerSize:
		return reject("conflicts with archived batch %d (ledger %d to %d)", r.Seq, r.First, r.Size)
	}
	return ignore("repeat of archived batch %d, ignored", r.Seq)
}

// checkpointStage (4) opens both signed checkpoints with the high side's
// key, requires Prev to be the last accepted checkpoint and verifies the
// consistency proof between them (RFC 6962 §2.1.2; RFC 9162 §2.1.4.2).
type checkpointStage struct {
	led      *ledger
	trust    *Trust
	evidence string // folder for fork evidence; empty: none kept
	logger   *slog.Logger
}

func (s *checkpointStage) name() string { return StageCheckpoint }

func (s *checkpointStage) check(c *candidate) verdict {
	b := c.b
	next, err := s.trust.open(b.Checkpoint)
	if err != nil {
		return reject("new checkpoint: %v", err)
	}
	prev, err := s.openPrev(b.Prev)
	if err != nil {
		return reject("previous checkpoint: %v", err)
	}
	want := s.led.prev
	if v, forked := s.fork(b, prev, next, want); forked {
		return v
	}
	switch {
	case prev.Size != want.Size || prev.Root != want.Root:
		return reject("previous checkpoint (size %d) is not the last accepted one (size %d)",
			prev.Size, want.Size)
	case prev.Origin != s.trust.Origin || next.Origin != s.trust.Origin:
		return reject("checkpoint origins %q and %q, want %q", prev.Origin, next.Origin, s.trust.Origin)
	case prev.Size != b.First || next.Size != c.ledgerSize:
		return reject("checkpoints cover %d to %d, batch claims %d to %d",
			prev.Size, next.Size, b.First, c.ledgerSize)
	}
	if err := merkle.VerifyConsistency(prev.Size, next.Size, prev.Root, next.Root, b.Proof); err != nil {
		return reject("consistency proof %d to %d: %v", prev.Size, next.Size, err)
	}
	c.prev, c.next = prev, next
	return pass("checkpoint %d consistent with %d", next.Size, prev.Size)
}

// openPrev opens the batch's previous checkpoint. The first batch of a
// ledger carries none: its predecessor is the empty tree. A note equal
// byte for byte to the last accepted checkpoint, the common case, was
// opened and verified when its batch was accepted; it is not verified
// again. Any other note is opened in full.
func (s *checkpointStage) openPrev(note []byte) (checkpoint.Checkpoint, error) {
	if len(note) == 0 {
		return checkpoint.Checkpoint{Origin: s.trust.Origin, Root: merkle.EmptyRoot()}, nil
	}
	if h := s.led.head; h.Records > 0 && bytes.Equal(note, h.Checkpoint) {
		return s.led.prev, nil
	}
	return s.trust.open(note)
}

// leavesStage (5) appends every item's leaf hash to a copy of the archive's
// compact range and requires the new checkpoint's root: the guard
// recomputes the high side's root, including entries it only has hashes
// of (RFC 6962 §2.1).
type leavesStage struct {
	led *ledger
}

func (s *leavesStage) name() string { return StageLeaves }

func (s *leavesStage) check(c *candidate) verdict {
	items := c.b.Items
	leaves := make([]merkle.Hash, len(items))
	forEach(len(items), func(i int) {
		if items[i].Entry != nil {
			leaves[i] = merkle.LeafHash(items[i].Entry)
		} else {
			leaves[i] = items[i].Hash
		}
	})
	tree := s.led.tree.Clone()
	full := 0
	for i, it := range items {
		if it.Entry != nil {
			if it.Hash != (merkle.Hash{}) && it.Hash != leaves[i] {
				return reject("entry at ledger index %d does not match its stated leaf hash",
					c.ledgerFirst+uint64(i))
			}
			full++
		}
		tree.Append(leaves[i])
	}
	if tree.Size() != c.next.Size || tree.Root() != c.next.Root {
		return reject("recomputed root %s at size %d, checkpoint says %s at size %d",
			tree.Root(), tree.Size(), c.next.Root, c.next.Size)
	}
	c.leaves, c.tree = leaves, tree
	return pass("root recomputed from %d entries and %d leaf hashes", full, len(leaves)-full)
}

// fork raises the fork alarm when the batch carries a validly signed
// checkpoint of the size of the last accepted one but another root: two
// signed checkpoints of one size that disagree. Both notes are kept as
// evidence and the batch is rejected.
func (s *checkpointStage) fork(b *batch.Batch, prev, next, want checkpoint.Checkpoint) (verdict, bool) {
	var note []byte
	switch {
	case len(b.Prev) > 0 && prev.Size == want.Size && prev.Root != want.Root:
		note = b.Prev
	case next.Size == want.Size && next.Root != want.Root:
		note = b.Checkpoint
	default:
		return verdict{}, false
	}
	path, err := keepForkEvidence(s.evidence, s.led.head.Checkpoint, note, want.Size)
	if err != nil {
		s.logger.Error("failed to keep fork evidence", slog.Any("error", err))
	}
	s.logger.Error("fork alarm", slog.Uint64("size", want.Size), slog.String("accepted_root", want.Root.String()),
		slog.String("evidence", path))
	return reject("fork alarm: a signed checkpoint of size %d with root %s contradicts the accepted root %s (evidence %s)",
		want.Size, rootOf(note), want.Root, path), true
}

// rootOf returns the root a note states, for messages.
func rootOf(note []byte) string {
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return "?"
	}
	c, err := checkpoint.Parse(n.Text)
	if err != nil {
		return "?"
	}
	return c.Root.String()
}

// keepForkEvidence writes the accepted and the contradicting checkpoint
// notes to dir/fork-<size>-<time>.txt, synced, and returns its path.
func keepForkEvidence(dir string, accepted, other []byte, size uint64) (string, error) {
	if dir == "" {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("fork-%d-%d.txt", size, time.Now().UnixNano()))
	body := fmt.Sprintf("fork alarm: two signed checkpoints of size %d\n\n-- accepted --\n%s\n-- contradicting --\n%s", size, accepted, other)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return path, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return path, err
	}
	return path, f.Close()
}
