package hybrid

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A transition statement hands the signing role from one composite key to
// the next: a new suite (crypto agility), a routine rotation, or a key
// replaced after a loss. It is signed by both keys, so it proves that the
// holder of the old key agreed and that the holder of the new key can sign.
//
// Its file form is nine lines, each ended by a newline:
//
//	bastion-transition v1
//	from <published key text of the old key>
//	to <published key text of the new key>
//	effective-size <ledger size>
//	time <UTC time, RFC 3339 to the second, "Z">
//	reason <1 to 255 printable ASCII bytes>
//	(empty line)
//	signature-from <base64 composite signature by the old key>
//	signature-to <base64 composite signature by the new key>
//
// The key texts are MarshalPublicKeyText lines without their newline. Both
// signatures are made over the first six lines (the body, with its final
// newline) with the application context TransitionContext, so a transition
// signature can never be replayed as a checkpoint or batch signature.
//
// effective-size is the ledger size from which the new key signs: a
// checkpoint or batch whose ledger size is below it is signed by the old
// key, one above it by the new key, and one exactly at it by either (the
// boundary belongs to both, so the last old checkpoint can be cosigned).
// The ledger size, not the time, decides, because every record carries its
// ledger position and no trusted clock. time says when the statement was
// made and is informational.
//
// The form is strict: exactly one byte form is accepted, so parsing and
// marshalling again gives the same bytes.
const transitionMagic = "bastion-transition v1"

// TransitionContext is the application context of both transition
// signatures.
const TransitionContext = "bastion-transition-v1"

// MaxTransitionSize bounds a transition file, in bytes. Two ML-DSA-87 key
// texts and two ML-DSA-87 composite signatures take about 17 KiB.
const MaxTransitionSize = 32 << 10

// MaxReasonLen is the longest reason, in bytes.
const MaxReasonLen = 255

// transitionTime is the only accepted time layout.
const transitionTime = "2006-01-02T15:04:05Z"

// ErrBadTransition is returned for a transition statement that does not
// parse, has inconsistent fields, or whose signatures do not both verify.
var ErrBadTransition = errors.New("invalid key transition")

// NamedKey is a composite public key with the name it is published under.
type NamedKey struct {
	Name string
	Key  *PublicKey
}

// Text returns the published key text of k without its newline.
func (k NamedKey) Text() string {
	return strings.TrimSuffix(string(MarshalPublicKeyText(k.Name, k.Key)), "\n")
}

// Transition is a statement that the key To takes over signing from the key
// From at ledger size Effective. See TransitionContext for the format.
type Transition struct {
	From, To  NamedKey
	Effective uint64    // ledger size from which To signs
	Time      time.Time // when the statement was made, UTC, whole seconds
	Reason    string    // why, 1 to MaxReasonLen printable ASCII bytes

	// FromSignature and ToSignature are the composite signatures of the
	// body by From and To; SignTransition sets them.
	FromSignature, ToSignature []byte
}

// Body returns the signed part of t: the first six lines. It returns
// ErrBadTransition when a field is invalid.
func (t *Transition) Body() ([]byte, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nfrom %s\nto %s\neffective-size %d\ntime %s\nreason %s\n",
		transitionMagic, t.From.Text(), t.To.Text(), t.Effective,
		t.Time.UTC().Format(transitionTime), t.Reason)
	return b.Bytes(), nil
}

// validate checks the fields of t other than the signatures.
func (t *Transition) validate() error {
	switch {
	case t.From.Key == nil || t.To.Key == nil:
		return fmt.Errorf("%w: both keys are required", ErrBadTransition)
	case !ValidKeyName(t.From.Name) || !ValidKeyName(t.To.Name):
		return fmt.Errorf("%w: invalid key name", ErrBadTransition)
	case t.From.Key.KeyID() == t.To.Key.KeyID():
		return fmt.Errorf("%w: old and new key are the same key", ErrBadTransition)
	case t.Time.IsZero() || t.Time.Nanosecond() != 0 || t.Time.Year() < 2000 || t.Time.Year() > 9999:
		return fmt.Errorf("%w: time must be whole seconds in years 2000 to 9999", ErrBadTransition)
	}
	return CheckReason(t.Reason)
}

// CheckReason accepts a transition reason: 1 to MaxReasonLen printable
// ASCII bytes that neither start nor end with a space. It returns
// ErrBadTransition otherwise.
func CheckReason(r string) error {
	if len(r) == 0 || len(r) > MaxReasonLen || r[0] == ' ' || r[len(r)-1] == ' ' {
		return fmt.Errorf("%w: reason must be 1 to %d bytes without leading or trailing space",
			ErrBadTransition, MaxReasonLen)
	}
	for _, c := range []byte(r) {
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: reason must be printable ASCII", ErrBadTransition)
		}
	}
	return nil
}

// SignTransition signs t with from, the signer of t.From, and to, the
// signer of t.To, stores both signatures in t and returns the file form.
// It checks that each signer's public key is the key it signs for and
// verifies both signatures before returning. It returns ErrBadTransition or
// a signer's error.
func SignTransition(t *Transition, from, to Signer) ([]byte, error) {
	body, err := t.Body()
	if err != nil {
		return nil, err
	}
	if !from.Public().Equal(t.From.Key) || !to.Public().Equal(t.To.Key) {
		return nil, fmt.Errorf("%w: a signer does not hold the key it signs for", ErrBadTransition)
	}
	if t.FromSignature, err = from.Sign(body, []byte(TransitionContext)); err != nil {
		return nil, fmt.Errorf("failed to sign transition with the old key: %w", err)
	}
	if t.ToSignature, err = to.Sign(body, []byte(TransitionContext)); err != nil {
		return nil, fmt.Errorf("failed to sign transition with the new key: %w", err)
	}
	if err := t.Verify(); err != nil {
		return nil, err
	}
	return t.Marshal()
}

// Marshal returns the file form of t with its signatures. It returns
// ErrBadTransition when a field is invalid or a signature is missing.
func (t *Transition) Marshal() ([]byte, error) {
	body, err := t.Body()
	if err != nil {
		return nil, err
	}
	if len(t.FromSignature) == 0 || len(t.ToSignature) == 0 {
		return nil, fmt.Errorf("%w: unsigned", ErrBadTransition)
	}
	return fmt.Appendf(body, "\nsignature-from %s\nsignature-to %s\n",
		base64.StdEncoding.EncodeToString(t.FromSignature),
		base64.StdEncoding.EncodeToString(t.ToSignature)), nil
}

// Verify checks both signatures over the body: the old key's and the new
// key's (PublicKey.Verify, both halves of each). It returns
// ErrBadTransition naming the key whose signature failed.
func (t *Transition) Verify() error {
	body, err := t.Body()
	if err != nil {
		return err
	}
	if err := t.From.Key.Verify(body, []byte(TransitionContext), t.FromSignature); err != nil {
		return fmt.Errorf("%w: signature of the old key %s: %w", ErrBadTransition, t.From.Name, err)
	}
	if err := t.To.Key.Verify(body, []byte(TransitionContext), t.ToSignature); err != nil {
		return fmt.Errorf("%w: signature of the new key %s: %w", ErrBadTransition, t.To.Name, err)
	}
	return nil
}

// OpenTransition parses a transition file and verifies both signatures. It
// returns ErrBadTransition naming what is wrong.
func OpenTransition(b []byte) (*Transition, error) {
	t, err := ParseTransition(b)
	if err != nil {
		return nil, err
	}
	if err := t.Verify(); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseTransition parses the file form without checking the signatures
// (see OpenTransition). It returns ErrBadTransition naming the line that is
// wrong.
func ParseTransition(b []byte) (*Transition, error) {
	if len(b) > MaxTransitionSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBadTransition, len(b), MaxTransitionSize)
	}
	if !bytes.HasSuffix(b, []byte("\n")) || bytes.ContainsAny(b, "\r\t") {
		return nil, fmt.Errorf("%w: want lines ended by a newline, without tabs or carriage returns",
			ErrBadTransition)
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if len(lines) != 9 || lines[0] != transitionMagic || lines[6] != "" {
		return nil, fmt.Errorf("%w: want %q, five field lines, an empty line and two signature lines",
			ErrBadTransition, transitionMagic)
	}
	t := &Transition{}
	err := errors.Join(
		parseKeyField(lines[1], "from", &t.From),
		parseKeyField(lines[2], "to", &t.To),
		parseEffective(lines[3], &t.Effective),
		parseTime(lines[4], &t.Time),
		parseReason(lines[5], &t.Reason),
		parseSignature(lines[7], "signature-from", &t.FromSignature),
		parseSignature(lines[8], "signature-to", &t.ToSignature),
	)
	if err != nil {
		return nil, err
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// field returns the value of a "name value" line.
func field(line, name string) (string, error) {
	v, ok := strings.CutPrefix(line, name+" ")
	if !ok {
		return "", fmt.Errorf("%w: want a line %q", ErrBadTransition, name+" ...")
	}
	return v, nil
}

func parseKeyField(line, name string, k *NamedKey) error {
	v, err := field(line, name)
	if err != nil {
		return err
	}
	if k.Name, k.Key, err = ParsePublicKeyText([]byte(v)); err != nil {
		return fmt.Errorf("%w: %s key: %v", ErrBadTransition, name, err)
	}
	if v != k.Text() {
		return fmt.Errorf("%w: %s key is not in its one text form", ErrBadTransition, name)
	}
	return nil
}

func parseEffective(line string, size *uint64) error {
	v, err := field(line, "effective-size")
	if err != nil {
		return err
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != v {
		return fmt.Errorf("%w: effective-size %q is not a decimal ledger size", ErrBadTransition, v)
	}
	*size = n
	return nil
}

func parseTime(line string, tm *time.Time) error {
	v, err := field(line, "time")
	if err != nil {
		return err
	}
	t, err := time.Parse(transitionTime, v)
	if err != nil || t.Format(transitionTime) != v {
		return fmt.Errorf("%w: time %q is not YYYY-MM-DDThh:mm:ssZ", ErrBadTransition, v)
	}
	*tm = t
	return nil
}

func parseReason(line string, r *string) error {
	v, err := field(line, "reason")
	if err != nil {
		return err
	}
	*r = v
	return CheckReason(v)
}

func parseSignature(line, name string, sig *[]byte) error {
	v, err := field(line, name)
	if err != nil {
		return err
	}
	if *sig, err = base64.StdEncoding.Strict().DecodeString(v); err != nil || len(*sig) == 0 {
		return fmt.Errorf("%w: %s is not base64", ErrBadTransition, name)
	}
	return nil
}
