package node

import (
	"bytes"

	"bastion/high-side/node/fsm"
)

// pending holds the leader's decided entries between proposal and the
// monitor's observation, so that the monitor is fed the envelope the
// leader built instead of parsing it back from the ledger. An entry found
// here is used only if its encoding is byte for byte the one committed;
// anything missing is read from the ledger.
type pending struct {
	byID    map[string]*draft
	byIndex map[uint64]*draft
}

// expect registers drafts about to be proposed.
func (n *Node) expect(drafts []draft) {
	n.pendMu.Lock()
	defer n.pendMu.Unlock()
	for i := range drafts {
		n.pend.byID[drafts[i].item.ID] = &drafts[i]
	}
}

// forget drops drafts whose proposal has returned, committed or not.
func (n *Node) forget(drafts []draft) {
	n.pendMu.Lock()
	defer n.pendMu.Unlock()
	for i := range drafts {
		if n.pend.byID[drafts[i].item.ID] == &drafts[i] {
			delete(n.pend.byID, drafts[i].item.ID)
		}
	}
}

// placed moves the drafts a batch committed from ID to ledger index.
func (n *Node) placed(appended []fsm.Appended) {
	n.pendMu.Lock()
	defer n.pendMu.Unlock()
	for _, a := range appended {
		d, ok := n.pend.byID[a.ID]
		if !ok {
			continue
		}
		delete(n.pend.byID, a.ID)
		if bytes.Equal(d.item.Entry, a.Entry) {
			n.pend.byIndex[a.Index] = d
		}
	}
}

// take returns and drops the observation of the draft committed at index,
// if known.
func (n *Node) take(index uint64) (observation, bool) {
	n.pendMu.Lock()
	defer n.pendMu.Unlock()
	d, ok := n.pend.byIndex[index]
	if !ok {
		return observation{}, false
	}
	delete(n.pend.byIndex, index)
	return d.obs, true
}

// resetPending drops every index mapping at the end of a leader term.
func (n *Node) resetPending() {
	n.pendMu.Lock()
	defer n.pendMu.Unlock()
	clear(n.pend.byIndex)
}
