package verify_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
)

// cosignedExport publishes three batches of three entries whose
// checkpoints are cosigned by signers[i] for batch i+1, with their tiles,
// and returns the export directory and the high side. change, when not
// nil, may alter each cosigned note before the batch is signed.
func cosignedExport(t *testing.T, signers [3][]node, change func(i int, note []byte) []byte) (string, *guardtest.HighSide) {
	t.Helper()
	hs := guardtest.New(t, "link-1")
	d, err := export.Create(filepath.Join(t.TempDir(), "export"))
	if err != nil {
		t.Fatal(err)
	}
	chain := export.GenesisChain()
	var files []export.Published
	var note []byte
	for i, nodes := range signers {
		for j := range 3 {
			hs.Append(t, guardtest.Order(t, 10*i+j, guardtest.Releasable))
		}
		seq, raw := hs.Next(t)
		b, err := batch.Parse(raw, batch.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		b.Checkpoint = cosigned(t, b.Checkpoint, nodes...)
		if change != nil {
			b.Checkpoint = change(i, b.Checkpoint)
		}
		raw = hs.Sign(t, b)
		files = append(files, export.Published{File: export.File{Seq: seq}, Data: raw})
		note, chain = b.Checkpoint, export.NextChain(chain, seq, raw, b.Checkpoint)
	}
	head := export.ChainHead{Records: 3, Seq: 3, Size: 9, Root: hs.Root(t, 9), Chain: chain}
	if err := d.Publish(files, note, head); err != nil {
		t.Fatal(err)
	}
	return d.Root(), hs
}

// majorityRing returns the ring of hs's key demanding the default quorum,
// a majority of nodes.
func majorityRing(t *testing.T, hs *guardtest.HighSide, nodes ...node) *verify.KeyRing {
	t.Helper()
	ring := ringFor(t, hs, 0)
	var keys []checkpoint.CosignerKey
	for _, n := range nodes {
		keys = append(keys, n.key)
	}
	ring.RequireCosignerMajority(keys)
	return ring
}

// TestCosignQuorumOnce checks archives of a three-node cluster whose
// checkpoints each carry two cosignatures, verified with all or some of
// the nodes' keys. Checkpoints short of the quorum are one cosign_quorum
// problem and nothing else: the replay goes on to the true end, so the
// chain-head agrees. With only some keys and the default quorum, the
// problem names the nodes whose cosignatures were not checked and what to
// give instead; with a quorum stated, it does not.
func TestCosignQuorumOnce(t *testing.T) {
	n1, n2, n3 := newNode(t, "node-1"), newNode(t, "node-2"), newNode(t, "node-3")
	quorumOf := func(required int, nodes ...node) func(*guardtest.HighSide) *verify.KeyRing {
		return func(hs *guardtest.HighSide) *verify.KeyRing { return ringFor(t, hs, required, nodes...) }
	}
	majorityOf := func(nodes ...node) func(*guardtest.HighSide) *verify.KeyRing {
		return func(hs *guardtest.HighSide) *verify.KeyRing { return majorityRing(t, hs, nodes...) }
	}
	partial := "; cosignatures by node-3 were not checked (no --cosigner key given): with only some nodes' keys, " +
		"a majority of them (2) is not the cluster's quorum; give every node's --cosigner key, or --quorum N, " +
		"how many of the keys given must cosign each checkpoint"
	tests := []struct {
		name    string
		signers [3][]node
		ring    func(*guardtest.HighSide) *verify.KeyRing
		want    []verify.Problem
	}{
		{"every node's key", [3][]node{{n2, n3}, {n1, n2}, {n1, n3}}, majorityOf(n1, n2, n3), nil},
		{"two keys, default quorum", [3][]node{{n2, n3}, {n1, n2}, {n2, n3}}, majorityOf(n1, n2),
			[]verify.Problem{{Kind: verify.KindQuorum, Seq: 1, LastSeq: 3, Index: -1,
				Detail: "2 checkpoints lack the default quorum of 2 cosignatures by the keys given (node-1, node-2); " +
					"the first, of size 3: 1 of 2 required (verified: node-2; no cosignature by node-1)" + partial}}},
		{"two keys, quorum 1", [3][]node{{n2, n3}, {n1, n2}, {n2, n3}}, quorumOf(1, n1, n2), nil},
		{"two keys, quorum 2", [3][]node{{n2, n3}, {n1, n2}, {n1, n3}}, quorumOf(2, n1, n2),
			[]verify.Problem{{Kind: verify.KindQuorum, Seq: 1, LastSeq: 3, Index: -1,
				Detail: "2 checkpoints lack the quorum of 2 cosignatures by the keys given (node-1, node-2); " +
					"the first, of size 3: 1 of 2 required (verified: node-2; no cosignature by node-1)"}}},
		{"one checkpoint short, no other cosigner", [3][]node{{n1, n2}, {n2}, {n1, n2}}, majorityOf(n1, n2),
			[]verify.Problem{{Kind: verify.KindQuorum, Seq: 2, Index: -1,
				Detail: "1 checkpoint lacks the default quorum of 2 cosignatures by the keys given (node-1, node-2); " +
					"the first, of size 6: 1 of 2 required (verified: node-2; no cosignature by node-1)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := cosignedExport(t, tt.signers, nil)
			rep, err := verify.ArchiveRing(dir, tt.ring(hs), batch.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(rep.Problems), fmt.Sprint(tt.want); got != want {
				t.Fatalf("problems\n%s\nwant\n%s", got, want)
			}
			if rep.Size != 9 || rep.Root != hs.Root(t, 9) || rep.Count() != len(tt.want) {
				t.Errorf("size %d, root %s, count %d; want size 9, root %s, count %d", rep.Size, rep.Root,
					rep.Count(), hs.Root(t, 9), len(tt.want))
			}
		})
	}
}

// TestBadCosignatureLineAlone flips a bit of node-2's cosignature in the
// second batch's checkpoint (the batch signed after): that batch's
// checkpoint is the one problem, and the chain goes on past it.
func TestBadCosignatureLineAlone(t *testing.T) {
	n1, n2, n3 := newNode(t, "node-1"), newNode(t, "node-2"), newNode(t, "node-3")
	flip := func(i int, note []byte) []byte {
		if i != 1 {
			return note
		}
		return changeLine(t, note, "node-2", func(raw []byte) { raw[len(raw)-1] ^= 0x01 })
	}
	dir, hs := cosignedExport(t, [3][]node{{n1, n2}, {n1, n2}, {n1, n2}}, flip)
	rep, err := verify.ArchiveRing(dir, majorityRing(t, hs, n1, n2, n3), batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != verify.KindCheckpoint || rep.Problems[0].Seq != 2 ||
		!strings.Contains(rep.Problems[0].Detail, "new checkpoint: note signature does not verify: cosignature by node-2+") {
		t.Fatalf("problems %v; want only batch 2's checkpoint, naming node-2", rep.Problems)
	}
	if rep.Size != 9 {
		t.Errorf("size %d, want 9: the replay stopped at the bad line", rep.Size)
	}
}
