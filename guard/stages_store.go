package guard

import (
	"bastion/guard/archive"
	"bastion/guard/export"
)

// archiveStage (8) appends the batch to the write-once archive and commits
// (fsync) before anything is published. A verified batch whose content was
// refused is archived in its withheld form: leaf hashes and checkpoints
// only, so the ledger continues without its entries on the low side.
type archiveStage struct {
	led  *ledger
	arch *archive.Archive
	link string
}

func (s *archiveStage) name() string { return StageArchive }

func (s *archiveStage) check(c *candidate) verdict {
	r := &archive.Record{Seq: c.b.Seq, Kind: archive.KindBatch, First: c.ledgerFirst,
		Size: c.ledgerSize, File: c.raw, Checkpoint: c.b.Checkpoint}
	if !c.trailIs(order[:7]) {
		return reject("stages not run in order: %v", c.trail)
	}
	if c.withheld != nil {
		r.Kind, r.File = archive.KindWithheld, s.withheldForm(c).Marshal()
	}
	head, err := s.arch.Append(r, c.tree)
	if err != nil {
		return reject("%v", err)
	}
	s.led.head, s.led.tree, s.led.prev = head, c.tree, c.next
	c.record = r
	if r.Kind == archive.KindWithheld {
		return pass("withheld: %d leaf hashes archived, entries not kept", len(c.leaves))
	}
	return pass("archived, chain %x", head.Chain[:8])
}

// withheldForm returns the published form of a refused batch.
func (s *archiveStage) withheldForm(c *candidate) *export.Withheld {
	return &export.Withheld{Version: export.WithheldVersion, Link: s.link, Seq: c.b.Seq,
		First: c.ledgerFirst, Stage: c.withheldBy, Reason: c.withheld.reason,
		Prev: c.b.Prev, Checkpoint: c.b.Checkpoint, Proof: c.b.Proof, Leaves: c.leaves}
}

// publishStage (9) writes the archived batch, the new checkpoint and the
// chain head to the export directory. It runs only after the archive
// stage committed.
type publishStage struct {
	led *ledger
	dir *export.Dir
}

func (s *publishStage) name() string { return StagePublish }

func (s *publishStage) check(c *candidate) verdict {
	if c.record == nil || !c.trailIs(order[:8]) {
		return reject("stages not run in order: %v", c.trail)
	}
	if err := publish(s.dir, c.record, s.led.head); err != nil {
		return reject("%v", err)
	}
	return pass("published as %s", fileOf(c.record).Name())
}

// publish writes an archived record's file and then, when head is the
// archive head, the checkpoint and chain head files (export.Dir.Publish:
// concurrent file syncs, one sync per folder).
func publish(dir *export.Dir, r *archive.Record, head archive.Head) error {
	files := []export.Published{{File: fileOf(r), Data: r.File}}
	if r.Seq != head.Seq {
		return dir.Publish(files, nil, export.ChainHead{})
	}
	return dir.Publish(files, head.Checkpoint, head.ChainHead())
}

// fileOf returns the export file of a record.
func fileOf(r *archive.Record) export.File {
	return export.File{Seq: r.Seq, Withheld: r.Kind == archive.KindWithheld}
}
