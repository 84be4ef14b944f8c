package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"bastion/shared/merkle"
)

// Withheld is the published form of a batch that was genuine (signature,
// checkpoints, consistency proof and leaf hashes all verified) but whose
// content failed the guard's policy: an entry above the release label,
// personal data, a dirty word or a schema violation. The entries stay out
// of the low side; their leaf hashes continue the ledger, so later batches
// still chain and the root is still recomputed. It is published as
// batches/<seq>.withheld, mode 0444, canonical JSON as Marshal writes it.
//
// Its signed parts are the two checkpoint notes; the batch signature
// cannot be checked without the withheld entries.
type Withheld struct {
	Version    int           `json:"v"`          // WithheldVersion
	Link       string        `json:"link"`       // diode link name
	Seq        uint64        `json:"seq"`        // batch sequence number
	First      uint64        `json:"first"`      // first ledger index
	Stage      string        `json:"stage"`      // the stage that rejected it
	Reason     string        `json:"reason"`     // why, without any value
	Prev       []byte        `json:"prev"`       // signed checkpoint of size First (empty for 0)
	Checkpoint []byte        `json:"checkpoint"` // signed checkpoint after the batch
	Proof      []merkle.Hash `json:"proof"`      // consistency proof Prev to Checkpoint
	Leaves     []merkle.Hash `json:"leaves"`     // leaf hash of every item, in order
}

// WithheldVersion is the only Withheld version written and read.
const WithheldVersion = 1

// withheldExt ends every withheld file name.
const withheldExt = ".withheld"

// MaxWithheld bounds a withheld file, in bytes.
const MaxWithheld = 64 << 20

// ErrWithheld is returned for a malformed withheld file.
var ErrWithheld = errors.New("malformed withheld batch")

// WithheldName returns the file name of withheld batch seq.
func WithheldName(seq uint64) string {
	return fmt.Sprintf("%0*d%s", seqDigits, seq, withheldExt)
}

// Marshal returns the canonical encoding of w.
func (w *Withheld) Marshal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(w) // no field can fail to encode
	return buf.Bytes()
}

// ParseWithheld decodes a withheld file, rejecting unknown fields, other
// versions, trailing data and any encoding other than Marshal's.
func ParseWithheld(b []byte) (*Withheld, error) {
	if len(b) > MaxWithheld {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrWithheld, len(b), MaxWithheld)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var w Withheld
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWithheld, err)
	}
	if w.Version != WithheldVersion {
		return nil, fmt.Errorf("%w: version %d", ErrWithheld, w.Version)
	}
	if !bytes.Equal(w.Marshal(), b) {
		return nil, fmt.Errorf("%w: not the canonical encoding", ErrWithheld)
	}
	return &w, nil
}

// WriteWithheld publishes the encoded Withheld b of batch seq as
// batches/<seq>.withheld (mode 0444), with the never-replace rule of
// WriteBatch.
func (d *Dir) WriteWithheld(seq uint64, b []byte) error {
	return d.writeOnce(WithheldName(seq), b)
}
