package main

import (
	"bastion/high-side/node"
	"bastion/shared/merkle"
)

// liveLedger reads whichever ledger the node holds now: a snapshot restore
// replaces the state file and with it the ledger.
type liveLedger struct{ n *node.Node }

func (l liveLedger) Size() (uint64, error)                  { return l.n.Ledger().Size() }
func (l liveLedger) Entry(i uint64) ([]byte, error)         { return l.n.Ledger().Entry(i) }
func (l liveLedger) LeafHash(i uint64) (merkle.Hash, error) { return l.n.Ledger().LeafHash(i) }
func (l liveLedger) Root(size uint64) (merkle.Hash, error)  { return l.n.Ledger().Root(size) }
func (l liveLedger) ConsistencyProof(m, n uint64) ([]merkle.Hash, error) {
	return l.n.Ledger().ConsistencyProof(m, n)
}

// Range reads a run of entries and leaf hashes in one transaction; see
// ledger.Ledger.Range.
func (l liveLedger) Range(first, end uint64, fn func(uint64, []byte, merkle.Hash) error) error {
	return l.n.Ledger().Range(first, end, fn)
}
