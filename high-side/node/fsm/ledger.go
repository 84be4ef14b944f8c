package fsm

import "bastion/high-side/ledger"

// Ledger returns the Merkle ledger in the current state file. A snapshot
// restore replaces the file and the ledger with it, so callers fetch it for
// each use rather than keep it.
func (f *FSM) Ledger() *ledger.Ledger {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.ledger
}
