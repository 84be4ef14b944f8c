package guard

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/hybrid"
)

// limitsStage (1) bounds the batch and checks its format before any
// cryptography runs (NIST SP 800-53 AC-4(13), decomposition into policy-
// relevant subcomponents, starts from a parse with fixed bounds).
type limitsStage struct {
	link     string
	maxBytes int
	maxItems int
	limits   batch.Limits
}

func (s *limitsStage) name() string { return StageLimits }

func (s *limitsStage) check(c *candidate) verdict {
	if len(c.raw) == 0 || len(c.raw) > s.maxBytes {
		return reject("batch of %d bytes, want 1 to %d", len(c.raw), s.maxBytes)
	}
	b, err := batch.Parse(c.raw, s.limits)
	if err != nil {
		return reject("%v", err)
	}
	n := uint64(len(b.Items))
	if b.First > math.MaxUint64-n {
		return reject("ledger range overflows: first %d, %d items", b.First, n)
	}
	c.ledgerFirst, c.ledgerSize = b.First, b.First+n
	c.parsed = b
	switch {
	case b.Link != s.link:
		return reject("batch for link %q, this guard serves %q", b.Link, s.link)
	case b.Seq != c.diodeSeq:
		return reject("batch seq %d delivered under diode seq %d", b.Seq, c.diodeSeq)
	case len(b.Items) > s.maxItems:
		return reject("%d items, limit %d", len(b.Items), s.maxItems)
	}
	return pass("%d bytes, %d items", len(c.raw), n)
}

// signatureStage (2) verifies the hybrid signature over the whole batch
// with the high side's published key (both halves must verify,
// draft-ietf-lamps-pq-composite-sigs §4.3). The batch parsed by the limits
// stage is used from here on only once its signature verified. After a key
// transition, ring is set and the batch must be signed by the key valid at
// the size of the checkpoint it carries (verify.KeyRing).
type signatureStage struct {
	key    *hybrid.PublicKey
	ring   *verify.KeyRing // nil: key alone, at every ledger size
	limits batch.Limits
}

func (s *signatureStage) name() string { return StageSignature }

func (s *signatureStage) check(c *candidate) verdict {
	if s.ring != nil {
		return s.checkRing(c)
	}
	if c.parsed == nil {
		b, err := batch.Verify(c.raw, s.limits, s.key)
		if err != nil {
			return reject("%v", err)
		}
		c.b = b
		return pass("hybrid signature verified")
	}
	// The signature covers every byte before it; it is followed by its
	// 4-byte length (package batch, wire format).
	sig := c.parsed.Signature
	body := c.raw[:len(c.raw)-4-len(sig)]
	if err := s.key.Verify(body, []byte(batch.Context), sig); err != nil {
		return reject("%v: %v", batch.ErrBadSignature, err)
	}
	c.b = c.parsed
	return pass("hybrid signature verified")
}

// checkRing verifies the signature with the key of the ring valid at the
// batch's ledger size; a signature by a ring key outside its sizes is
// rejected naming the key and the sizes it may sign (verify.ErrKeyNotValid).
func (s *signatureStage) checkRing(c *candidate) verdict {
	b, err := s.ring.VerifyBatch(c.raw, s.limits)
	switch {
	case err != nil && b != nil && !errors.Is(err, verify.ErrKeyNotValid):
		return reject("%v (keys valid at ledger size %d: %s)", err, b.End(), s.keysAt(b.End()))
	case err != nil:
		return reject("%v", err)
	}
	c.b = b
	return pass("hybrid signature verified with the key valid at ledger size %d (%s)",
		b.End(), s.keysAt(b.End()))
}

// keysAt names the keys of the ring valid at ledger size.
func (s *signatureStage) keysAt(size uint64) string {
	var names []string
	for _, k := range s.ring.At(size) {
		id := k.Public.KeyID()
		names = append(names, fmt.Sprintf("%s+%x", k.Name, id[:4]))
	}
	return strings.Join(names, " or ")
}
