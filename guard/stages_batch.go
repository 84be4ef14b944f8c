package guard

import (
	"math"

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
// stage is used from here on only once its signature verified.
type signatureStage struct {
	key    *hybrid.PublicKey
	limits batch.Limits
}

func (s *signatureStage) name() string { return StageSignature }

func (s *signatureStage) check(c *candidate) verdict {
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
