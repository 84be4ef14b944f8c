package hsm

import (
	"fmt"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/secretsharing"
)

// RecoverKEK rebuilds the KEK from at least Threshold custodian shares. Each
// share must belong to the commitment's ceremony, have a distinct non-zero
// id (REPLAY H9: circl misbehaves on either) and pass its Feldman check;
// the recovered secret must match the commitment to it. It returns
// ErrBadShare naming the first problem. The caller zeroes the KEK.
func RecoverKEK(shares []Share, c Commitment) ([]byte, error) {
	if len(shares) < c.Threshold {
		return nil, fmt.Errorf("%w: %d shares, need %d", ErrBadShare, len(shares), c.Threshold)
	}
	commit, err := c.elements()
	if err != nil {
		return nil, err
	}
	seen := map[uint16]bool{}
	var css []secretsharing.Share
	for _, s := range shares {
		cs, err := checkShare(s, c, commit, seen)
		if err != nil {
			return nil, err
		}
		css = append(css, cs)
	}

	secret, err := recoverSecret(uint(c.Threshold-1), css)
	if err != nil {
		return nil, err
	}
	if !shareGroup.NewElement().MulGen(secret).IsEqual(commit[0]) {
		return nil, fmt.Errorf("%w: recovered secret does not match the commitment", ErrBadShare)
	}
	sb, err := secret.MarshalBinary()
	if err != nil {
		return nil, err
	}
	defer clear(sb)
	return kekFromSecret(sb)
}

// checkShare validates one share and converts it for circl.
func checkShare(s Share, c Commitment, commit []group.Element, seen map[uint16]bool) (secretsharing.Share, error) {
	switch {
	case s.Ceremony != c.Ceremony || s.Threshold != c.Threshold:
		return secretsharing.Share{}, fmt.Errorf("%w: share %d is from another ceremony", ErrBadShare, s.ID)
	case s.ID == 0:
		return secretsharing.Share{}, fmt.Errorf("%w: share id 0", ErrBadShare)
	case seen[s.ID]:
		return secretsharing.Share{}, fmt.Errorf("%w: share id %d given twice", ErrBadShare, s.ID)
	}
	seen[s.ID] = true
	v := shareGroup.NewScalar()
	if err := v.UnmarshalBinary(s.Value); err != nil {
		return secretsharing.Share{}, fmt.Errorf("%w: share %d value: %v", ErrBadShare, s.ID, err)
	}
	cs := secretsharing.Share{ID: shareGroup.NewScalar().SetUint64(uint64(s.ID)), Value: v}
	if !secretsharing.Verify(uint(c.Threshold-1), cs, commit) {
		return secretsharing.Share{}, fmt.Errorf("%w: share %d fails its commitment check", ErrBadShare, s.ID)
	}
	return cs, nil
}

// recoverSecret calls circl's Recover, turning a panic into an error.
func recoverSecret(t uint, css []secretsharing.Share) (secret group.Scalar, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: recovery failed: %v", ErrBadShare, r)
		}
	}()
	secret, err = secretsharing.Recover(t, css)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadShare, err)
	}
	return secret, nil
}

// elements decodes the commitment points.
func (c Commitment) elements() ([]group.Element, error) {
	out := make([]group.Element, len(c.Points))
	for i, p := range c.Points {
		out[i] = shareGroup.NewElement()
		if err := out[i].UnmarshalBinary(p); err != nil {
			return nil, fmt.Errorf("%w: commitment %d: %v", ErrBadShare, i, err)
		}
	}
	return out, nil
}
