// Package guard is the low-side guard: a linear, fail-closed pipeline that
// every batch from the diode passes through before anything of it reaches
// the low side, in the style of NIST SP 800-53 AC-4 information-flow
// enforcement. Each stage writes one guard log line (package auditlog):
//
//  1. limits      size, item count, format, link and diode sequence
//  2. signature   hybrid signature over the batch, key valid at its ledger size
//  3. sequence    repeat (ignored), ahead of a gap (held), or next in line
//  4. checkpoint  Prev is the last accepted checkpoint; consistency proof
//  5. leaves      every leaf hash appended: the root equals the checkpoint's
//  6. schema      every full entry parses; its label is within the release label
//  7. scan        no personal data, no dirty word (package scan)
//  8. archive     write-once bbolt append, fsynced (package archive)
//  9. publish     export directory (package export)
//
// Stages 5 to 7 check the entries of a batch across GOMAXPROCS goroutines;
// the entry reported is always the first refused by ledger index. The
// schema stage proves the common entry valid in one pass (package schema)
// and leaves the rest, and the wording of refusals, to entry.Parse.
//
// The archive and publish stages check that exactly the stages before
// them ran, in this order; a pipeline assembled otherwise archives nothing
// and stops. A panic in a stage is a rejection.
//
// # Group commit
//
// Stages 1 to 7 run in the caller of Enqueue (the diode receiver's
// handler) against the ledger head as it will be once every batch already
// checked is archived; stages 8 and 9 run in one committer goroutine.
// While the committer waits for the disk, the next batches are checked;
// whatever is queued when it is free, up to MaxGroup batches, is committed
// together: one bbolt transaction (one commit, fsynced), the guard log
// lines of stages 1 to 8 of the whole group (one sync), the group's
// export files, checkpoint and chain head (one round of syncs), then the
// publish lines (one sync). Nothing of a batch is published before the
// transaction holding it returned from its fsync, and no line says
// "accept" for a stage that has not run. A failed commit stops the
// pipeline; the batches checked against the uncommitted head are then
// concluded with ErrStopped, and a restart resumes from the archive.
// Submit is Enqueue followed by Sync: it returns once the batch, and any
// held batches it released, are committed.
//
// # Rejections, holes and why the stream never stops
//
// Batches chain by checkpoint: batch n+1's Prev is batch n's Checkpoint.
// The guard therefore treats two kinds of failure differently.
//
// A batch that fails stages 1 to 5 is not trustworthy (forged, damaged,
// out of place). Nothing changes: the archive head stays at the last
// accepted checkpoint, the rejection is logged and kept in the archive,
// and later batches with higher sequence numbers are held in a bounded
// pending buffer (a "hold" line names the missing range: the gap report).
// The genuine batch under the same sequence number fills the hole when the
// diode carousel or a new high-side leader sends it again; the held
// batches then drain in order. When the buffer is full the batch farthest
// ahead is dropped (logged); its own resend brings it back.
//
// A batch that passes stages 1 to 5 is genuine and in place, but its
// content may still be refused by stage 6 or 7 (an entry above the release
// label, personal data, a dirty word, a schema violation). Its resend
// would be refused the same way, so waiting would stop the stream for
// ever. Instead the batch is withheld: the archive and the export
// directory keep its signed checkpoints, consistency proof and leaf hashes
// but none of its entries (export.Withheld), and the ledger continues from
// its checkpoint. The low side still recomputes the high side's root.
//
// A storage failure (archive, guard log, export directory) stops the
// pipeline: every later call returns ErrStopped and Run returns, so the
// service manager restarts the guard, which resumes from the archive and
// republishes what the export directory lacks.
package guard
