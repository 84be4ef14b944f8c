package node

import (
	"context"

	"bastion/high-side/node/fsm"
)

// ExportCursor is the exporter's replicated position per diode link. Reads
// are served from this node's state; Advance goes through Raft, so a new
// leader resumes exactly where the last committed record ends.
type ExportCursor struct{ n *Node }

// ExportCursor returns the node's export cursor.
func (n *Node) ExportCursor() *ExportCursor { return &ExportCursor{n: n} }

// Last returns the newest committed record of link, or false before the
// first export.
func (c *ExportCursor) Last(link string) (fsm.ExportRecord, bool, error) {
	return c.n.fsm.LastExport(link)
}

// Get returns the committed record of link with sequence number seq.
func (c *ExportCursor) Get(link string, seq uint64) (fsm.ExportRecord, bool, error) {
	return c.n.fsm.Export(link, seq)
}

// Advance commits rec as link's next record and returns once it is applied.
// The state machine refuses a record that does not continue the cursor
// (sequence Last.Seq+1, starting at Last.Size, ending within the ledger):
// the error then wraps fsm.ErrExportOrder. On a follower it returns a
// *NotLeaderError.
func (c *ExportCursor) Advance(ctx context.Context, link string, rec fsm.ExportRecord) error {
	if err := c.n.writable(ctx); err != nil {
		return err
	}
	_, err := c.n.apply(fsm.Encode(&fsm.AdvanceExport{Link: link, Record: rec}))
	return err
}
