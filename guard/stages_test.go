package guard

import (
	"strings"
	"testing"

	"bastion/guard/auditlog"
	"bastion/guard/guardtest"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// TestStageVerdicts submits, after one accepted batch, a second batch
// altered in one way and re-signed with the genuine key, and checks which
// stage rejects it and why.
func TestStageVerdicts(t *testing.T) {
	other := guardtest.New(t, testLink)
	tests := []struct {
		name   string
		mutate func(r *rig, b *batch.Batch) (uint64, []byte)
		stage  string
		reason string
	}{
		{"empty payload", func(r *rig, b *batch.Batch) (uint64, []byte) { return 2, nil },
			StageLimits, "batch of 0 bytes"},
		{"garbage", func(r *rig, b *batch.Batch) (uint64, []byte) { return 2, []byte("MZ\x90\x00 not a batch") },
			StageLimits, "malformed batch"},
		{"diode seq differs", func(r *rig, b *batch.Batch) (uint64, []byte) { return 7, r.hs.Sign(r.t, b) },
			StageLimits, "delivered under diode seq 7"},
		{"other link", func(r *rig, b *batch.Batch) (uint64, []byte) {
			o := guardtest.New(r.t, "other-link")
			o.Append(r.t, guardtest.Order(r.t, 1, r.releasable()))
			ob := o.Batch(t)
			ob.Seq = 2
			return 2, o.Sign(r.t, ob)
		}, StageLimits, `for link "other-link"`},
		{"signed by another key", func(r *rig, b *batch.Batch) (uint64, []byte) { return 2, other.Sign(r.t, b) },
			StageSignature, "does not verify"},
		{"starts past the archive", func(r *rig, b *batch.Batch) (uint64, []byte) {
			b.First, b.Prev, b.Items = 3, r.hs.Note(r.t, 3), b.Items[1:]
			b.Proof = nil
			return 2, r.hs.Sign(r.t, b)
		}, StageSequence, "batch starts at ledger index 3, archive ends at 2"},
		{"prev from a fork", func(r *rig, b *batch.Batch) (uint64, []byte) {
			fork := checkpoint.Checkpoint{Origin: checkpoint.OriginFor(testLink), Size: 2,
				Root: merkle.LeafHash([]byte("fork"))}
			note, err := checkpoint.Sign(fork, r.hs.NoteKey, r.hs.Signer)
			if err != nil {
				r.t.Fatal(err)
			}
			b.Prev = note
			return 2, r.hs.Sign(r.t, b)
		}, StageCheckpoint, "fork alarm: a signed checkpoint of size 2 with root " + merkle.LeafHash([]byte("fork")).String()},
		{"new checkpoint signed by another key", func(r *rig, b *batch.Batch) (uint64, []byte) {
			for other.Size() < 5 {
				other.Append(r.t, guardtest.Order(r.t, int(other.Size()), r.releasable()))
			}
			b.Checkpoint = other.Note(r.t, 5)
			return 2, r.hs.Sign(r.t, b)
		}, StageCheckpoint, "new checkpoint"},
		{"bad consistency proof", func(r *rig, b *batch.Batch) (uint64, []byte) {
			b.Proof[0][0] ^= 1
			return 2, r.hs.Sign(r.t, b)
		}, StageCheckpoint, "consistency proof"},
		{"hash-only leaf altered", func(r *rig, b *batch.Batch) (uint64, []byte) {
			b.Items[0] = batch.Item{Hash: merkle.LeafHash([]byte("something else"))}
			return 2, r.hs.Sign(r.t, b)
		}, StageLeaves, "recomputed root"},
		{"entry altered", func(r *rig, b *batch.Batch) (uint64, []byte) {
			b.Items[1] = batch.Item{Entry: guardtest.Order(r.t, 77, r.releasable())}
			return 2, r.hs.Sign(r.t, b)
		}, StageLeaves, "recomputed root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.orders(2)
			seq, raw := r.hs.Next(t)
			r.submit(seq, raw, Accepted)
			r.orders(3)
			seq, raw = tt.mutate(r, r.hs.Batch(t))
			got, err := r.g.Submit(seq, raw)
			if err != nil || got != Rejected {
				t.Fatalf("Submit = %v, %v; want rejected\n%s", got, err, r.logTail(6))
			}
			l := r.logLines()[len(r.logLines())-1]
			if l.Stage != tt.stage || l.Decision != auditlog.Reject || !strings.Contains(l.Reason, tt.reason) {
				t.Fatalf("last line = %s %s %q; want %s reject containing %q",
					l.Stage, l.Decision, l.Reason, tt.stage, tt.reason)
			}
			if h := r.g.Head(); h.Seq != 1 || h.Size != 2 {
				t.Fatalf("head moved to seq %d size %d after a rejection", h.Seq, h.Size)
			}
			// The genuine batch is still accepted afterwards.
			seq, raw = r.hs.Next(t)
			r.submit(seq, raw, Accepted)
		})
	}
}

func (r *rig) releasable() entryLabel { return mustLabel(r.t, r.cfg.ReleaseLabel) }
