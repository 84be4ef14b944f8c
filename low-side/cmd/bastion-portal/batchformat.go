package main

import (
	"bastion/low-side/report"
	"bastion/shared/batch"
)

// parseBatch decodes one signed batch file for the report engine. The
// signature is not checked here: the guard verified it before it
// published the file.
func parseBatch(raw []byte) (*report.Batch, error) {
	b, err := batch.Parse(raw, batch.DefaultLimits())
	if err != nil {
		return nil, err
	}
	out := &report.Batch{Seq: b.Seq, First: b.First, Checkpoint: b.Checkpoint,
		Items: make([]report.Item, len(b.Items))}
	for i, it := range b.Items {
		out.Items[i] = report.Item{Entry: it.Entry, Hash: it.Hash}
	}
	return out, nil
}
