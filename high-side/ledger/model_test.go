package ledger

import (
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"bastion/shared/merkle"
)

// TestLedgerModel drives the ledger with random batches, duplicate IDs and
// rolled-back transactions, and compares it with a plain in-memory model.
func TestLedgerModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		l, db, _ := openTemp(t, false)
		var model []Record
		ids := map[string]uint64{}
		for step := range rapid.IntRange(1, 12).Draw(rt, "steps") {
			n := rapid.IntRange(0, 40).Draw(rt, "n")
			recs := make([]Record, n)
			for i := range recs {
				id := fmt.Sprintf("id-%d", rapid.IntRange(0, 150).Draw(rt, "id"))
				recs[i] = Record{ID: id, Entry: []byte(fmt.Sprintf("step %d rec %d", step, i))}
			}
			rollback := rapid.Bool().Draw(rt, "rollback")
			got, err := appendMaybeRollback(l, db, recs, rollback)
			if err != nil {
				rt.Fatalf("step %d: %v", step, err)
			}
			if rollback {
				continue
			}
			for i, r := range recs {
				want, ok := ids[r.ID]
				if !ok {
					want = uint64(len(model))
					ids[r.ID] = want
					model = append(model, r)
				}
				if got[i] != want {
					rt.Fatalf("step %d record %d: index %d, want %d", step, i, got[i], want)
				}
			}
		}
		checkModel(rt, l, model)
	})
}

var errRollback = errors.New("roll back")

func appendMaybeRollback(l *Ledger, db *bbolt.DB, recs []Record, rollback bool) ([]uint64, error) {
	var got []uint64
	err := db.Update(func(tx *bbolt.Tx) error {
		var err error
		if got, err = l.Append(tx, recs); err != nil {
			return err
		}
		if rollback {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return got, err
}

func checkModel(rt *rapid.T, l *Ledger, model []Record) {
	var c merkle.Compact
	for _, r := range model {
		c.Append(merkle.LeafHash(r.Entry))
	}
	size, root, err := l.Head()
	if err != nil || size != uint64(len(model)) || root != c.Root() {
		rt.Fatalf("head = %d %s (%v), model %d %s", size, root, err, len(model), c.Root())
	}
}
