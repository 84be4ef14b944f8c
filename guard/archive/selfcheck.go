package archive

import (
	"bytes"
	"fmt"

	"bastion/guard/export"
)

// VerifyChain re-walks every record: seq increasing, each record's First
// equal to the previous Size, every chain hash recomputed, and the stored
// head equal to the last record. fn, when not nil, is called for each
// record after its chain hash checked, to let the caller recompute the
// Merkle tree from the record's content. It returns the head it rebuilt, or
// ErrCorrupt naming the first bad record.
func (a *Archive) VerifyChain(fn func(*Record) error) (Head, error) {
	stored, tree, err := a.Head()
	if err != nil {
		return Head{}, err
	}
	h := emptyHead()
	err = a.Walk(func(r *Record) error {
		if h.Records > 0 && r.Seq <= h.Seq || r.First != h.Size || r.Size < r.First {
			return fmt.Errorf("%w: record %d does not continue record %d (first %d, size %d)",
				ErrCorrupt, r.Seq, h.Seq, r.First, h.Size)
		}
		if export.NextChain(h.Chain, r.Seq, r.File, r.Checkpoint) != r.Chain {
			return fmt.Errorf("%w: record %d chain hash does not recompute", ErrCorrupt, r.Seq)
		}
		h = Head{Records: h.Records + 1, Seq: r.Seq, Chain: r.Chain, Size: r.Size,
			Root: h.Root, Checkpoint: r.Checkpoint}
		if fn != nil {
			return fn(r)
		}
		return nil
	})
	if err != nil {
		return h, err
	}
	h.Root = stored.Root
	if h.Records != stored.Records || h.Seq != stored.Seq || h.Chain != stored.Chain ||
		h.Size != stored.Size || tree.Size() != h.Size || tree.Root() != stored.Root ||
		!bytes.Equal(h.Checkpoint, stored.Checkpoint) {
		return h, fmt.Errorf("%w: stored head (records %d, seq %d, size %d) does not match "+
			"the records (records %d, seq %d, size %d)", ErrCorrupt,
			stored.Records, stored.Seq, stored.Size, h.Records, h.Seq, h.Size)
	}
	return h, nil
}
