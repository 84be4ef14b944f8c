// Package batch defines the wire format of one signed audit batch, the unit
// the high side sends over the diode and the guard verifies.
//
// A batch carries a run of consecutive ledger entries [First, First+n): each
// either in full or, for entries above the release label, as its RFC 6962
// leaf hash only. With the previous checkpoint (covering First entries), the
// new checkpoint (covering First+n) and the consistency proof between them,
// the receiver can recompute the new root from what it received and check
// that the ledger only grew.
//
// # Encoding
//
// All integers are big-endian. A batch is
//
//	magic       4 bytes   "BSTB"
//	version     uint8     1
//	link        uint8 length (1..64), then the link name
//	seq         uint64    batch sequence number on the link, from 1
//	first       uint64    ledger index of the first item
//	count       uint32    number of items
//	prev        uint32 length, then the previous signed checkpoint note
//	            (empty if and only if first is 0)
//	checkpoint  uint32 length, then the new signed checkpoint note
//	proof       uint8 count (at most MaxProof), then 32-byte hashes
//	items       count times: kind uint8, then
//	              kind 1 (full): uint32 length (1..65536), entry bytes
//	              kind 2 (hash): 32-byte leaf hash
//	signature   the hybrid signature over every byte before it, with the
//	            context "bastion-batch-v1"
//	sig length  uint32, the length of signature (the last 4 bytes)
//
// The signature length sits at the very end so that a receiver can check
// the signature before it parses a single field (Verify). Both checkpoint
// notes must be well-formed, name the origin checkpoint.OriginFor(link) and
// cover exactly first and first+count entries; their signatures are checked
// by the receiver against its trusted keys, not here.
package batch

import (
	"errors"

	"bastion/shared/merkle"
)

// Format constants.
const (
	// Magic starts every batch.
	Magic = "BSTB"
	// Version is the only format version this package writes and reads.
	Version = 1
	// Context is the application context of the batch signature.
	Context = "bastion-batch-v1"
	// MaxProof is the largest number of hashes in the consistency proof.
	MaxProof = 128
	// MaxSignatureSize is the largest batch signature, in bytes.
	MaxSignatureSize = 8 << 10
)

// Item kinds on the wire.
const (
	kindFull = 1
	kindHash = 2
)

// Defaults of Limits.
const (
	// DefaultMaxSize is the default largest encoded batch: 8 MiB.
	DefaultMaxSize = 8 << 20
	// DefaultMaxItems is the default largest number of items: 65,536.
	DefaultMaxItems = 1 << 16
)

// Errors returned by Parse, Verify and Sign.
var (
	// ErrMalformed is returned, wrapped with the field and the reason, for
	// a batch that breaks the format or its limits.
	ErrMalformed = errors.New("malformed batch")
	// ErrBadSignature is returned by Verify when the batch signature does
	// not verify.
	ErrBadSignature = errors.New("batch signature does not verify")
)

// Limits bounds what Parse and Verify accept. A zero field takes its
// default.
type Limits struct {
	MaxSize  int // largest encoded batch in bytes; default DefaultMaxSize
	MaxItems int // largest number of items; default DefaultMaxItems
}

// DefaultLimits returns the default limits: 8 MiB and 65,536 items.
func DefaultLimits() Limits {
	return Limits{MaxSize: DefaultMaxSize, MaxItems: DefaultMaxItems}
}

// withDefaults fills the zero fields of l.
func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	return l
}

// Signer signs batches; hybrid.SoftwareSigner and the HSM signer satisfy it.
type Signer interface {
	// Sign returns a signature over msg under the application context ctx.
	Sign(msg, ctx []byte) ([]byte, error)
}

// Verifier checks batch signatures; *hybrid.PublicKey satisfies it.
type Verifier interface {
	// Verify returns nil only if sig is a valid signature over msg under
	// the application context ctx.
	Verify(msg, ctx, sig []byte) error
}

// Item is one ledger entry in a batch: in full, or as its leaf hash only.
type Item struct {
	// Entry is the entry's stored bytes, or nil for a hash-only item.
	Entry []byte
	// Hash is the leaf hash of a hash-only item. For a full item Parse sets
	// it to the leaf hash of Entry, and encoding ignores it.
	Hash merkle.Hash
}

// Batch is one decoded audit batch.
type Batch struct {
	Link       string        // diode link name, see checkpoint.ValidLink
	Seq        uint64        // batch sequence number on the link, from 1
	First      uint64        // ledger index of Items[0]
	Prev       []byte        // signed checkpoint note of size First; nil if First is 0
	Checkpoint []byte        // signed checkpoint note of size First+len(Items)
	Proof      []merkle.Hash // RFC 6962 consistency proof from First to End
	Items      []Item
	Signature  []byte // set by Parse, Verify and Sign
}

// End returns the ledger size after the batch: First + len(Items).
func (b *Batch) End() uint64 { return b.First + uint64(len(b.Items)) }

// LeafHashes returns the RFC 6962 leaf hash of every item, in order: computed
// from Entry for a full item, Hash for a hash-only one.
func (b *Batch) LeafHashes() []merkle.Hash {
	out := make([]merkle.Hash, len(b.Items))
	for i, it := range b.Items {
		if it.Entry != nil {
			out[i] = merkle.LeafHash(it.Entry)
		} else {
			out[i] = it.Hash
		}
	}
	return out
}
