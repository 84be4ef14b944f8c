package main

import (
	"bastion/high-side/ledger"
	"bastion/high-side/node"
	"bastion/high-side/node/fsm"
	"bastion/shared/merkle"

	"go.etcd.io/bbolt"
)

// nodeLedger is the Merkle ledger as the state machine appends to it.
type nodeLedger struct{ *ledger.Ledger }

func openLedger(db *bbolt.DB) (node.Ledger, error) {
	l, err := ledger.Open(db)
	if err != nil {
		return nil, err
	}
	return nodeLedger{l}, nil
}

// Append appends the state machine's records.
func (l nodeLedger) Append(tx *bbolt.Tx, recs []fsm.Record) ([]uint64, error) {
	rs := make([]ledger.Record, len(recs))
	for i, r := range recs {
		rs[i] = ledger.Record(r)
	}
	return l.Ledger.Append(tx, rs)
}

// liveLedger reads whichever ledger the node holds now: a snapshot restore
// replaces the state file and with it the ledger.
type liveLedger struct{ n *node.Node }

func (l liveLedger) cur() *ledger.Ledger { return l.n.Ledger().(nodeLedger).Ledger }

func (l liveLedger) Size() (uint64, error)                  { return l.cur().Size() }
func (l liveLedger) Entry(i uint64) ([]byte, error)         { return l.cur().Entry(i) }
func (l liveLedger) LeafHash(i uint64) (merkle.Hash, error) { return l.cur().LeafHash(i) }
func (l liveLedger) Root(size uint64) (merkle.Hash, error)  { return l.cur().Root(size) }
func (l liveLedger) ConsistencyProof(m, n uint64) ([]merkle.Hash, error) {
	return l.cur().ConsistencyProof(m, n)
}
