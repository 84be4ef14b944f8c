package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"bastion/shared/merkle"
)

// withheldFile is the part of a withheld-batch file that reports read.
// The guard writes it as canonical JSON; fields not listed are ignored
// here and checked by the guard and the offline verifier.
type withheldFile struct {
	Version    int               `json:"v"`
	Seq        uint64            `json:"seq"`
	First      uint64            `json:"first"`
	Stage      string            `json:"stage"`
	Reason     string            `json:"reason"`
	Checkpoint []byte            `json:"checkpoint"`
	Leaves     []json.RawMessage `json:"leaves"`
}

// ParseWithheld decodes a withheld-batch file (version 1) into a Batch
// whose items are all withheld and whose Refused says why.
func ParseWithheld(raw []byte) (*Batch, error) {
	var w withheldFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("malformed withheld batch: %v", err)
	}
	if dec.More() {
		return nil, errors.New("malformed withheld batch: trailing data")
	}
	if w.Version != 1 {
		return nil, fmt.Errorf("malformed withheld batch: version %d", w.Version)
	}
	if len(w.Stage) > 64 || len(w.Reason) > 2048 {
		return nil, errors.New("malformed withheld batch: stage or reason too long")
	}
	b := &Batch{
		Seq: w.Seq, First: w.First, Checkpoint: w.Checkpoint,
		Items:   make([]Item, len(w.Leaves)),
		Refused: &Refusal{Stage: w.Stage, Reason: w.Reason},
	}
	for i, raw := range w.Leaves {
		// A leaf that is not a hex hash is left unknown: reports need only
		// the count, and the offline verifier checks the hashes.
		var h merkle.Hash
		if json.Unmarshal(raw, &h) == nil {
			b.Items[i].Hash = h
		}
	}
	return b, nil
}
