package batch

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// minItemSize is the smallest encoded item: a full item of one byte.
const minItemSize = 1 + 4 + 1

// Parse decodes a batch without checking its signature; see Verify for the
// receiving path. Every length is checked against limits and the bytes left
// before anything is allocated. The returned batch shares no memory with
// raw. Errors wrap ErrMalformed and name the field, for example
// "malformed batch: item 3: entry length 70000 exceeds 65536".
func Parse(raw []byte, limits Limits) (*Batch, error) {
	limits = limits.withDefaults()
	body, sig, err := split(raw, limits)
	if err != nil {
		return nil, err
	}
	b, err := decode(bytes.Clone(body), limits)
	if err != nil {
		return nil, err
	}
	b.Signature = bytes.Clone(sig)
	if err := b.validate(limits); err != nil {
		return nil, err
	}
	return b, nil
}

// Verify checks the batch signature with v before it parses anything, then
// parses the batch like Parse. It returns ErrBadSignature (wrapped with the
// verifier's reason) or the errors of Parse.
func Verify(raw []byte, limits Limits, v Verifier) (*Batch, error) {
	limits = limits.withDefaults()
	body, sig, err := split(raw, limits)
	if err != nil {
		return nil, err
	}
	if err := v.Verify(body, []byte(Context), sig); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return Parse(raw, limits)
}

// split checks the total size and separates the signed body from the
// signature, using the length in the last four bytes.
func split(raw []byte, limits Limits) (body, sig []byte, err error) {
	if len(raw) > limits.MaxSize {
		return nil, nil, fmt.Errorf("%w: size %d exceeds %d", ErrMalformed, len(raw), limits.MaxSize)
	}
	if len(raw) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes, too short for a signature trailer", ErrMalformed, len(raw))
	}
	n := binary.BigEndian.Uint32(raw[len(raw)-4:])
	if n == 0 || n > MaxSignatureSize {
		return nil, nil, fmt.Errorf("%w: signature length %d, want 1 to %d", ErrMalformed, n, MaxSignatureSize)
	}
	if int(n) > len(raw)-4 {
		return nil, nil, fmt.Errorf("%w: signature length %d exceeds the %d bytes before it",
			ErrMalformed, n, len(raw)-4)
	}
	cut := len(raw) - 4 - int(n)
	return raw[:cut], raw[cut : len(raw)-4], nil
}

// decode reads the signed body into a Batch whose byte fields alias body.
func decode(body []byte, limits Limits) (*Batch, error) {
	r := &reader{b: body}
	if m := r.take("magic", len(Magic)); r.err == nil && string(m) != Magic {
		return nil, fmt.Errorf("%w: magic %q, want %q", ErrMalformed, m, Magic)
	}
	if v := r.u8("version"); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w: unsupported version %d, want %d", ErrMalformed, v, Version)
	}
	b := &Batch{}
	b.Link = string(r.take("link", int(r.u8("link length"))))
	b.Seq = r.u64("seq")
	b.First = r.u64("first")
	count := r.u32("count")
	b.Prev = nilIfEmpty(r.bytes32("prev", checkpoint.MaxNoteSize))
	b.Checkpoint = r.bytes32("checkpoint", checkpoint.MaxNoteSize)
	b.Proof = decodeProof(r)
	b.Items = decodeItems(r, count, b.First, limits)
	if r.err == nil && r.left() != 0 {
		r.fail("items", "%d bytes after the last item", r.left())
	}
	if r.err != nil {
		return nil, r.err
	}
	return b, nil
}

// decodeProof reads the consistency proof.
func decodeProof(r *reader) []merkle.Hash {
	n := int(r.u8("proof count"))
	if r.err != nil {
		return nil
	}
	if n > MaxProof {
		r.fail("proof", "%d hashes, at most %d", n, MaxProof)
		return nil
	}
	raw := r.take("proof", n*merkle.HashSize)
	if r.err != nil || n == 0 {
		return nil
	}
	proof := make([]merkle.Hash, n)
	for i := range proof {
		proof[i] = merkle.Hash(raw[i*merkle.HashSize:])
	}
	return proof
}

// decodeItems reads count items, checking count against the limit and the
// bytes left before allocating.
func decodeItems(r *reader, count uint32, first uint64, limits Limits) []Item {
	if r.err != nil || count == 0 {
		return nil
	}
	if uint64(count) > uint64(limits.MaxItems) {
		r.fail("count", "%d items exceed %d", count, limits.MaxItems)
		return nil
	}
	if uint64(count)*minItemSize > uint64(r.left()) {
		r.fail("count", "%d items cannot fit in the %d bytes left", count, r.left())
		return nil
	}
	items := make([]Item, count)
	for i := range items {
		items[i] = decodeItem(r, fmt.Sprintf("item %d (ledger index %d)", i, first+uint64(i)))
		if r.err != nil {
			return nil
		}
	}
	return items
}

// decodeItem reads one item; field names it in errors.
func decodeItem(r *reader, field string) Item {
	switch kind := r.u8(field + " kind"); {
	case r.err != nil:
		return Item{}
	case kind == kindHash:
		h := r.take(field+" hash", merkle.HashSize)
		if r.err != nil {
			return Item{}
		}
		return Item{Hash: merkle.Hash(h)}
	case kind != kindFull:
		r.fail(field, "unknown kind %d", kind)
		return Item{}
	}
	n := r.u32(field + " entry length")
	if r.err == nil {
		r.err = checkEntryLen(field, int(n))
	}
	e := r.take(field+" entry", int(n))
	if r.err != nil {
		return Item{}
	}
	return Item{Entry: e, Hash: merkle.LeafHash(e)}
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
