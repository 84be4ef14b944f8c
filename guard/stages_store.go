package guard

import (
	"bastion/guard/archive"
	"bastion/guard/export"
	"bastion/shared/merkle"
)

// archiveStage (8) appends the batches of a group to the write-once
// archive in one transaction and commits it (one set of fsyncs) before
// anything of the group is published. A verified batch whose content was
// refused is archived in its withheld form: leaf hashes and checkpoints
// only, so the ledger continues without its entries on the low side. A
// batch that did not pass exactly stages 1 to 7 fails the whole group:
// nothing of it is archived.
type archiveStage struct {
	head *committed
	arch *archive.Archive
	link string
}

func (s *archiveStage) name() string { return StageArchive }

func (s *archiveStage) check(c *candidate) verdict { return s.checkAll([]*candidate{c})[0] }

func (s *archiveStage) checkAll(cs []*candidate) []verdict {
	recs := make([]*archive.Record, len(cs))
	trees := make([]*merkle.Compact, len(cs))
	for i, c := range cs {
		if !c.trailIs(order[:7]) {
			return all(len(cs), reject("stages not run in order: %v", c.trail))
		}
		recs[i], trees[i] = s.record(c), c.tree
	}
	heads, err := s.arch.AppendAll(recs, trees)
	if err != nil {
		return all(len(cs), reject("%v", err))
	}
	s.head.set(heads[len(heads)-1])
	vs := make([]verdict, len(cs))
	for i, c := range cs {
		c.record = recs[i]
		vs[i] = pass("archived, chain %x", heads[i].Chain[:8])
		if recs[i].Kind == archive.KindWithheld {
			vs[i] = pass("withheld: %d leaf hashes archived, entries not kept", len(c.leaves))
		}
	}
	return vs
}

// record returns what the archive keeps of c.
func (s *archiveStage) record(c *candidate) *archive.Record {
	r := &archive.Record{Seq: c.b.Seq, Kind: archive.KindBatch, First: c.ledgerFirst,
		Size: c.ledgerSize, File: c.raw, Checkpoint: c.b.Checkpoint}
	if c.withheld != nil {
		r.Kind, r.File = archive.KindWithheld, s.withheldForm(c).Marshal()
	}
	return r
}

// withheldForm returns the published form of a refused batch.
func (s *archiveStage) withheldForm(c *candidate) *export.Withheld {
	return &export.Withheld{Version: export.WithheldVersion, Link: s.link, Seq: c.b.Seq,
		First: c.ledgerFirst, Stage: c.withheldBy, Reason: c.withheld.reason,
		Prev: c.b.Prev, Checkpoint: c.b.Checkpoint, Proof: c.b.Proof, Leaves: c.leaves}
}

// publishStage (9) writes the archived batches of a group, then the new
// checkpoint and chain head, to the export directory. It runs only after
// the archive stage committed them.
type publishStage struct {
	head *committed
	dir  *export.Dir
}

func (s *publishStage) name() string { return StagePublish }

func (s *publishStage) check(c *candidate) verdict { return s.checkAll([]*candidate{c})[0] }

func (s *publishStage) checkAll(cs []*candidate) []verdict {
	files := make([]export.Published, len(cs))
	for i, c := range cs {
		if c.record == nil || !c.trailIs(order[:8]) {
			return all(len(cs), reject("stages not run in order: %v", c.trail))
		}
		files[i] = export.Published{File: fileOf(c.record), Data: c.record.File, Ledger: ledgerOf(c)}
	}
	head := s.head.get()
	if err := s.dir.Publish(files, head.Checkpoint, head.ChainHead()); err != nil {
		return all(len(cs), reject("%v", err))
	}
	vs := make([]verdict, len(cs))
	for i, f := range files {
		vs[i] = pass("published as %s", f.File.Name())
	}
	return vs
}

// ledgerOf returns the leaf hashes the leaves stage computed and, for a
// batch published in full, its entries, so the export need not parse or
// hash the batch again.
func ledgerOf(c *candidate) *export.Ledger {
	l := &export.Ledger{First: c.ledgerFirst, Leaves: c.leaves}
	if c.record.Kind != archive.KindWithheld {
		l.Entries = make([][]byte, len(c.b.Items))
		for i, it := range c.b.Items {
			l.Entries[i] = it.Entry
		}
	}
	return l
}

// all returns n copies of v.
func all(n int, v verdict) []verdict {
	vs := make([]verdict, n)
	for i := range vs {
		vs[i] = v
	}
	return vs
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
