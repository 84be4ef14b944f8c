package verify

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"bastion/guard/export"
)

// checkRecordProofs checks every file of the export's proofs folder, if
// there is one: its name, its signed checkpoint and audit path (Proof),
// the checkpoint against the archive's at that size (KindFork) and its
// leaf against the published tile.
func checkRecordProofs(dir string, rp *Replay) []Problem {
	ents, err := os.ReadDir(filepath.Join(dir, export.ProofsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []Problem{problem(KindIO, 0, "%v", err)}
	}
	var ps []Problem
	for _, e := range ents {
		i, err := export.ParseProofName(e.Name())
		if err != nil || !e.Type().IsRegular() {
			ps = append(ps, problem(KindName, 0, "unexpected file %q in %s", e.Name(), export.ProofsDir))
			continue
		}
		ps = append(ps, checkRecordProof(dir, rp, i)...)
	}
	return ps
}

// checkRecordProof checks the proof file of ledger index i.
func checkRecordProof(dir string, rp *Replay, i uint64) []Problem {
	name := export.ProofName(i)
	b, err := os.ReadFile(filepath.Join(dir, export.ProofsDir, name))
	if err != nil {
		return []Problem{problem(KindIO, 0, "%v", err)}
	}
	bad := func(format string, a ...any) []Problem {
		p := problem(KindProofFile, 0, "%s: "+format, append([]any{name}, a...)...)
		p.Index = int64(i)
		return []Problem{p}
	}
	p, err := ParseProof(b)
	if err != nil {
		return bad("%v", err)
	}
	if p.Index != i {
		return bad("holds the proof of ledger index %d", p.Index)
	}
	cp, err := p.Verify(rp.openCounted)
	if err != nil {
		return bad("%v", err)
	}
	if fork := rp.fork(0, cp, "checkpoint of "+name); fork != nil {
		return fork
	}
	if rp.tiles != nil {
		if h, ok := rp.tiles.leafOnDisk(i); ok && h != p.LeafHash {
			return bad("leaf hash %s, the published tile has %s", p.LeafHash, h)
		}
	}
	return nil
}
