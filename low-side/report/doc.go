// Package report builds the low side's reports from the guard's export
// directory.
//
// The export directory holds the batches the guard accepted, each as the
// raw signed bytes that crossed the diode:
//
//	EXPORT/batches/<sequence, 20 digits>.batch
//	EXPORT/checkpoint   latest signed checkpoint note (C2SP tlog-checkpoint)
//	EXPORT/keys/*.pub   published verification keys
//	EXPORT/chain-head   head of the guard's archive hash chain
//
// A Builder reads batches in sequence order, one at a time, and keeps only
// the counters and the rejection records it needs, so a report over any
// number of batches costs one pass and memory bounded by what the report
// itself holds. Reports are deterministic: the same batches give the same
// bytes in every format, whatever order of refreshes produced them.
//
// Entries above the release label cross as leaf hashes only and carry no
// time. A withheld entry is counted on the date of the closest earlier
// releasable entry in ledger order (the ledger is appended in time order);
// withheld entries before the first releasable one are counted on the first
// date that appears.
//
// The regulatory reports of one date (FINRA CAT order events, the SEC Rule
// 15c3-5 control report, the surveillance summary, the audit-integrity
// attestation, the SOX IT-general-controls evidence and the Basel III large
// exposures and leverage ratio) are made by CollectDay, which reads every batch once and
// keeps the day's entries, the CAT order book and the net positions, then
// Build, which renders
// each kind as files; package bastion/low-side/bundle signs them.
package report
