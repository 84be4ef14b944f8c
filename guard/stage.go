package guard

import (
	"fmt"
	"slices"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// Stage names, in pipeline order. They appear in the guard log.
const (
	StageLimits     = "limits"     // (1) size and format limits
	StageSignature  = "signature"  // (2) hybrid signature over the batch
	StageSequence   = "sequence"   // (3) batch sequence: repeat, hold or next
	StageCheckpoint = "checkpoint" // (4) signed checkpoints and consistency
	StageLeaves     = "leaves"     // (5) leaf hashes recompute the root
	StageSchema     = "schema"     // (6) entry schema and release label
	StageScan       = "scan"       // (7) personal data and dirty words
	StageArchive    = "archive"    // (8) durable, hash-chained append
	StagePublish    = "publish"    // (9) export directory
)

// order is the only stage order the pipeline runs. The archive and
// publish stages check a candidate's trail against it, so a pipeline
// assembled without a stage, or in another order, archives nothing.
var order = []string{StageLimits, StageSignature, StageSequence, StageCheckpoint,
	StageLeaves, StageSchema, StageScan, StageArchive, StagePublish}

// stage is one independent check. check returns a verdict and may record
// what it established on the candidate for later stages.
type stage interface {
	name() string
	check(c *candidate) verdict
}

// groupStage is a stage that decides a group of candidates at once, in
// order: the archive commits them in one transaction, publish writes them
// with one set of syncs. It returns one verdict per candidate.
type groupStage interface {
	stage
	checkAll(cs []*candidate) []verdict
}

// verdict is a stage's decision about a candidate.
type verdict struct {
	decision auditlog.Decision
	reason   string
}

func pass(format string, a ...any) verdict {
	return verdict{auditlog.Accept, fmt.Sprintf(format, a...)}
}

func reject(format string, a ...any) verdict {
	return verdict{auditlog.Reject, fmt.Sprintf(format, a...)}
}

func hold(format string, a ...any) verdict {
	return verdict{auditlog.Hold, fmt.Sprintf(format, a...)}
}

// ignore marks a repeat of an accepted batch: logged as an event, no
// further stage runs.
func ignore(format string, a ...any) verdict {
	return verdict{auditlog.Event, fmt.Sprintf(format, a...)}
}

// candidate is one batch going through the pipeline, with what each stage
// established about it.
type candidate struct {
	diodeSeq uint64 // sequence the diode delivered it under
	raw      []byte

	parsed      *batch.Batch          // parsed, not yet verified (limits)
	b           *batch.Batch          // verified (signature)
	prev, next  checkpoint.Checkpoint // opened checkpoints (checkpoint)
	leaves      []merkle.Hash         // leaf hash of every item (leaves)
	tree        *merkle.Compact       // archive tree after the leaves (leaves)
	withheld    *verdict              // content rejection, if any (schema, scan)
	withheldBy  string                // stage that withheld it
	record      *archive.Record       // what was archived (archive)
	trail       []string              // stages passed, in order
	ledgerFirst uint64                // claimed range, for the log
	ledgerSize  uint64

	recs      []auditlog.Record    // guard log lines not yet written
	checked   bool                 // passed the checking stages (1 to 7)
	outcome   Outcome              // provisional until committed
	rejection *archive.Rejection   // to keep in the archive, if any
	done      func(Outcome, error) // called once committed; may be nil
}

// seq returns the batch's signed sequence once parsed, else the diode's.
func (c *candidate) seq() uint64 {
	if c.b != nil {
		return c.b.Seq
	}
	return c.diodeSeq
}

// trailIs reports whether the candidate passed exactly stages, in order.
func (c *candidate) trailIs(stages []string) bool { return slices.Equal(c.trail, stages) }
