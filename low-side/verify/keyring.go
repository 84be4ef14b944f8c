package verify

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
)

// KeyRing is the high side's signing keys in the order they served, each
// with the ledger sizes it may sign: the genesis key (the published key
// file) from size 0, then the new key of each transition statement
// (hybrid.Transition) from its effective size. At a transition's effective
// size both the outgoing and the incoming key are valid; below it only the
// outgoing one, above it only the incoming one. So a record signed by an
// old key after the hand-over is rejected, and so is one signed by a new
// key before it.
//
// A checkpoint's position is its tree size; a batch's is the size of the
// checkpoint it carries (its last ledger index plus one). A KeyRing is
// immutable and safe for concurrent use.
type KeyRing struct {
	epochs []Epoch
	// cosigners is the quorum of high-side node cosignatures every
	// checkpoint must carry besides the hybrid signature; zero: none.
	cosigners checkpoint.Quorum
	// majority is set when cosigners.Required is the default, a majority
	// of the keys given (RequireCosignerMajority).
	majority bool
}

// RequireCosigners makes Open demand the cosignature quorum q on every
// checkpoint, after the hybrid signature verifies: at least q.Required
// valid cosignatures by distinct keys of q.Keys. Only cosignatures by
// those keys count; a line under another name cannot be verified.
func (r *KeyRing) RequireCosigners(q checkpoint.Quorum) { r.cosigners, r.majority = q, false }

// RequireCosignerMajority is RequireCosigners with a majority of keys as
// the quorum, the nodes' own default when keys are every node's. When
// keys are only some of the cluster's, a checkpoint cosigned by a quorum
// of the cluster may carry fewer cosignatures by keys than that; a note
// that falls short and carries cosignatures of other nodes fails with a
// QuorumError saying so (QuorumError.KeysPartial).
func (r *KeyRing) RequireCosignerMajority(keys []checkpoint.CosignerKey) {
	r.cosigners = checkpoint.Quorum{Keys: keys, Required: len(keys)/2 + 1}
	r.majority = true
}

// Epoch is one key of a ring and the ledger sizes it may sign, From to To
// inclusive.
type Epoch struct {
	Key  *Key
	From uint64
	To   uint64 // math.MaxUint64 for the current key
	// Transition is the statement that introduced the key; nil for the
	// genesis key.
	Transition *hybrid.Transition
}

// valid reports whether the epoch's key may sign at ledger size.
func (e Epoch) valid(size uint64) bool { return e.From <= size && size <= e.To }

// ErrKeyRing is returned when transition statements do not form one chain
// from the genesis key.
var ErrKeyRing = errors.New("invalid key ring")

// ErrKeyNotValid is returned when a record is signed by a key of the ring
// that is not valid at the record's ledger size.
var ErrKeyNotValid = errors.New("signed by a key not valid at this ledger size")

// Ring returns a ring holding k alone, valid at every ledger size.
func (k *Key) Ring() *KeyRing {
	return &KeyRing{epochs: []Epoch{{Key: k, To: math.MaxUint64}}}
}

// ParseKeyRing builds a ring from the published key file's text and the
// text of each transition file, in any order (see NewKeyRing). It returns
// the errors of ParseKey, hybrid.ErrBadTransition naming the file by
// position, and ErrKeyRing.
func ParseKeyRing(genesis []byte, transitions ...[]byte) (*KeyRing, error) {
	g, err := ParseKey(genesis)
	if err != nil {
		return nil, err
	}
	var ts []*hybrid.Transition
	for i, b := range transitions {
		t, err := hybrid.OpenTransition(b)
		if err != nil {
			return nil, fmt.Errorf("transition %d: %w", i+1, err)
		}
		ts = append(ts, t)
	}
	return NewKeyRing(g, ts...)
}

// NewKeyRing builds a ring from the genesis key and verified transition
// statements, in any order: sorted by effective size, each must start from
// the key the previous one (or genesis) ended with, effective sizes must
// strictly increase, and no key may appear twice. Signatures are not
// checked here; hybrid.OpenTransition does that. It returns ErrKeyRing.
func NewKeyRing(genesis *Key, transitions ...*hybrid.Transition) (*KeyRing, error) {
	ts := append([]*hybrid.Transition(nil), transitions...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Effective < ts[j].Effective })
	r := genesis.Ring()
	seen := map[[32]byte]bool{genesis.Public.KeyID(): true}
	for _, t := range ts {
		cur := &r.epochs[len(r.epochs)-1]
		if err := checkLink(cur, t, seen); err != nil {
			return nil, err
		}
		k, err := newKey(t.To.Name, t.To.Key)
		if err != nil {
			return nil, err
		}
		cur.To = t.Effective
		r.epochs = append(r.epochs, Epoch{Key: k, From: t.Effective, To: math.MaxUint64, Transition: t})
	}
	return r, nil
}

// checkLink checks that t hands over from the current epoch's key.
func checkLink(cur *Epoch, t *hybrid.Transition, seen map[[32]byte]bool) error {
	from, to := t.From.Key.KeyID(), t.To.Key.KeyID()
	switch {
	case !t.From.Key.Equal(cur.Key.Public) || t.From.Name != cur.Key.Name:
		return fmt.Errorf("%w: transition at size %d starts from %s %x, the ring's key at that point is %s %x",
			ErrKeyRing, t.Effective, t.From.Name, from[:4], cur.Key.Name, idOf(cur.Key))
	case cur.Transition != nil && t.Effective <= cur.From:
		return fmt.Errorf("%w: transitions at sizes %d and %d: effective sizes must increase",
			ErrKeyRing, cur.From, t.Effective)
	case seen[to]:
		return fmt.Errorf("%w: transition at size %d returns to key %x, already used", ErrKeyRing, t.Effective, to[:4])
	}
	seen[to] = true
	return nil
}

// newKey makes a Key, with its note key, for a named composite key.
func newKey(name string, pk *hybrid.PublicKey) (*Key, error) {
	nk, err := checkpoint.HybridKey(name, string(pk.Suite()), pk.Bytes())
	if err != nil {
		return nil, fmt.Errorf("failed to derive checkpoint key: %w", err)
	}
	return &Key{Name: name, Public: pk, NoteKey: nk}, nil
}

func idOf(k *Key) []byte {
	id := k.Public.KeyID()
	return id[:4]
}

// Epochs returns the ring's keys in order.
func (r *KeyRing) Epochs() []Epoch { return append([]Epoch(nil), r.epochs...) }

// Current returns the last key of the ring.
func (r *KeyRing) Current() *Key { return r.epochs[len(r.epochs)-1].Key }

// At returns the keys valid at ledger size: one, or two at a transition's
// effective size (outgoing first).
func (r *KeyRing) At(size uint64) []*Key {
	var out []*Key
	for _, e := range r.epochs {
		if e.valid(size) {
			out = append(out, e.Key)
		}
	}
	return out
}

// String describes the ring for reports: the key name for a ring of one
// key, else each key as "name+id (sizes from-to)".
func (r *KeyRing) String() string {
	if len(r.epochs) == 1 {
		return r.epochs[0].Key.Name
	}
	var parts []string
	for _, e := range r.epochs {
		to := "on"
		if e.To != math.MaxUint64 {
			to = fmt.Sprint(e.To)
		}
		parts = append(parts, fmt.Sprintf("%s+%x %s (sizes %d-%s)", e.Key.Name, idOf(e.Key), e.Key.Public.Suite(), e.From, to))
	}
	return strings.Join(parts, ", ")
}

// Open opens a signed checkpoint note with the key valid at its tree size
// (either key at a transition's effective size), then checks the
// cosignature quorum when one is required (RequireCosigners). It returns
// the errors of checkpoint.Open, ErrKeyNotValid when the note is signed
// only by a key of the ring that is not valid at its size, and those of
// checkCosignatures.
func (r *KeyRing) Open(note []byte) (checkpoint.Checkpoint, error) {
	cp, _, err := r.OpenCosigned(note)
	return cp, err
}

// OpenCosigned is Open that also returns the names of the nodes whose
// cosignature verified, in the order of the required keys; nil when no
// cosignatures are required.
func (r *KeyRing) OpenCosigned(note []byte) (checkpoint.Checkpoint, []string, error) {
	cp, err := r.openSigned(note)
	if err != nil {
		return checkpoint.Checkpoint{}, nil, err
	}
	signed, err := r.checkCosignatures(note)
	if err != nil {
		return checkpoint.Checkpoint{}, nil, err
	}
	return cp, signed, nil
}

// openSigned is Open without the cosignatures: the signature of the key
// valid at the note's size only.
func (r *KeyRing) openSigned(note []byte) (checkpoint.Checkpoint, error) {
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return checkpoint.Checkpoint{}, err
	}
	c, err := checkpoint.Parse(n.Text) // unverified: only to find its size
	if err != nil {
		return checkpoint.Checkpoint{}, err
	}
	var first error
	for _, k := range r.At(c.Size) {
		cp, err := k.Open(note)
		if err == nil {
			return cp, nil
		}
		first = cmpErr(first, err)
	}
	for _, e := range r.epochs {
		if e.valid(c.Size) {
			continue // tried above
		}
		if _, err := e.Key.Open(note); err == nil {
			return checkpoint.Checkpoint{}, r.notValid(e, c.Size)
		}
	}
	return checkpoint.Checkpoint{}, first
}

// VerifyBatch checks a batch's signature with the key valid at the size of
// the checkpoint it carries. It returns the errors of batch.Verify, and
// ErrKeyNotValid when only a key not valid at that size signed it.
func (r *KeyRing) VerifyBatch(raw []byte, limits batch.Limits) (*batch.Batch, error) {
	b, err := batch.Parse(raw, limits)
	if err != nil {
		return nil, err
	}
	return b, r.verifyBatch(raw, limits, b.End())
}

// verifyBatch checks the signature of raw, whose checkpoint has size end.
func (r *KeyRing) verifyBatch(raw []byte, limits batch.Limits, end uint64) error {
	var first error
	for _, k := range r.At(end) {
		_, err := batch.Verify(raw, limits, k.Public)
		if err == nil {
			return nil
		}
		first = cmpErr(first, err)
	}
	for _, e := range r.epochs {
		if e.valid(end) {
			continue // tried above
		}
		if _, err := batch.Verify(raw, limits, e.Key.Public); err == nil {
			return r.notValid(e, end)
		}
	}
	return first
}

// notValid describes a signature by the key of e at a size outside e.
func (r *KeyRing) notValid(e Epoch, size uint64) error {
	to := "on"
	if e.To != math.MaxUint64 {
		to = fmt.Sprint(e.To)
	}
	return fmt.Errorf("%w: ledger size %d is signed by %s+%x, valid for sizes %d to %s",
		ErrKeyNotValid, size, e.Key.Name, idOf(e.Key), e.From, to)
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
