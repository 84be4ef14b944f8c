package batch

import (
	"encoding/binary"
	"fmt"

	"bastion/shared/merkle"
)

// Sign validates b against DefaultLimits, signs its encoding with s under
// Context, sets b.Signature and returns the complete encoded batch. It
// returns an error wrapping ErrMalformed for an invalid batch, including
// one whose encoding would exceed DefaultMaxSize, or the signer's error.
func (b *Batch) Sign(s Signer) ([]byte, error) {
	limits := DefaultLimits()
	b.Signature = nil
	if err := b.validate(limits); err != nil {
		return nil, err
	}
	if n := b.bodySize() + 4 + MaxSignatureSize; n > limits.MaxSize {
		return nil, fmt.Errorf("%w: encoding of up to %d bytes exceeds %d", ErrMalformed, n, limits.MaxSize)
	}
	body := b.appendBody(make([]byte, 0, b.bodySize()+4+MaxSignatureSize))
	sig, err := s.Sign(body, []byte(Context))
	if err != nil {
		return nil, fmt.Errorf("failed to sign batch %d: %w", b.Seq, err)
	}
	if len(sig) == 0 || len(sig) > MaxSignatureSize {
		return nil, fmt.Errorf("failed to sign batch %d: signature of %d bytes, want 1 to %d",
			b.Seq, len(sig), MaxSignatureSize)
	}
	b.Signature = sig
	return appendTrailer(body, sig), nil
}

// Marshal returns the encoding of an already signed batch, as Parse read it
// or Sign wrote it. It returns an error wrapping ErrMalformed if b is
// invalid under DefaultLimits or has no signature.
func (b *Batch) Marshal() ([]byte, error) {
	if len(b.Signature) == 0 {
		return nil, fmt.Errorf("%w: signature: missing", ErrMalformed)
	}
	if err := b.validate(DefaultLimits()); err != nil {
		return nil, err
	}
	out := b.appendBody(make([]byte, 0, b.bodySize()+4+len(b.Signature)))
	return appendTrailer(out, b.Signature), nil
}

// bodySize returns the length of the signed body.
func (b *Batch) bodySize() int {
	n := len(Magic) + 1 + 1 + len(b.Link) + 8 + 8 + 4 +
		4 + len(b.Prev) + 4 + len(b.Checkpoint) + 1 + merkle.HashSize*len(b.Proof)
	for _, it := range b.Items {
		if it.Entry != nil {
			n += 1 + 4 + len(it.Entry)
		} else {
			n += 1 + merkle.HashSize
		}
	}
	return n
}

// appendBody appends the signed body of a validated batch to out.
func (b *Batch) appendBody(out []byte) []byte {
	out = append(out, Magic...)
	out = append(out, Version, byte(len(b.Link)))
	out = append(out, b.Link...)
	out = binary.BigEndian.AppendUint64(out, b.Seq)
	out = binary.BigEndian.AppendUint64(out, b.First)
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.Items)))
	out = appendBytes32(out, b.Prev)
	out = appendBytes32(out, b.Checkpoint)
	out = append(out, byte(len(b.Proof)))
	for _, h := range b.Proof {
		out = append(out, h[:]...)
	}
	for _, it := range b.Items {
		if it.Entry != nil {
			out = append(out, kindFull)
			out = appendBytes32(out, it.Entry)
		} else {
			out = append(out, kindHash)
			out = append(out, it.Hash[:]...)
		}
	}
	return out
}

func appendBytes32(out, b []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
	return append(out, b...)
}

// appendTrailer appends the signature and its length.
func appendTrailer(out, sig []byte) []byte {
	out = append(out, sig...)
	return binary.BigEndian.AppendUint32(out, uint32(len(sig)))
}
