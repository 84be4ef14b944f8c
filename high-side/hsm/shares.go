package hsm

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/secretsharing"
)

// The KEK is derived from a secret that custodians hold in shares: Shamir
// sharing over the Ristretto255 scalar field with Feldman commitments, so
// each share can be checked on its own before recovery. Ristretto255 is
// used because circl's sharing is constant time there and not on the NIST
// curves. The KEK is HKDF-SHA256(secret, info "bastion kek v1") (RFC 5869).

var shareGroup = group.Ristretto255

const (
	shareMagic      = "bastion-share v1"
	commitmentMagic = "bastion-commitment v1"
	kekInfo         = "bastion kek v1"
)

// Share is one custodian's share of the KEK secret. Its file form is one
// line: "bastion-share v1 <ceremony> <threshold> <id> <value-b64>".
type Share struct {
	Ceremony  string // ceremony id, 32 hex digits
	Threshold int    // shares needed to recover
	ID        uint16 // 1..n; 0 is never valid (REPLAY H9)
	Value     []byte // scalar, 32 bytes
}

// Commitment holds the Feldman commitments g^a_i to the sharing polynomial's
// coefficients. It is public. File form: one line
// "bastion-commitment v1 <ceremony> <threshold> <b64>,<b64>,...".
type Commitment struct {
	Ceremony  string
	Threshold int
	Points    [][]byte // Threshold elements, 32 bytes each
}

// Marshal returns the file form of s.
func (s Share) Marshal() []byte {
	return fmt.Appendf(nil, "%s %s %d %d %s\n", shareMagic, s.Ceremony, s.Threshold, s.ID,
		base64.StdEncoding.EncodeToString(s.Value))
}

// ParseShare parses the file form of a share. It returns ErrBadShare.
func ParseShare(b []byte) (Share, error) {
	f, err := fields(b, shareMagic, 6)
	if err != nil {
		return Share{}, err
	}
	s := Share{Ceremony: f[2]}
	if s.Threshold, err = parseSmall(f[3], 2, 255); err != nil {
		return Share{}, fmt.Errorf("%w: threshold: %v", ErrBadShare, err)
	}
	id, err := parseSmall(f[4], 1, 65535)
	if err != nil {
		return Share{}, fmt.Errorf("%w: id: %v", ErrBadShare, err)
	}
	s.ID = uint16(id)
	if s.Value, err = decodeB64(f[5], 32, 32); err != nil {
		return Share{}, fmt.Errorf("%w: value: %v", ErrBadShare, err)
	}
	return s, nil
}

// Marshal returns the file form of c.
func (c Commitment) Marshal() []byte {
	pts := make([]string, len(c.Points))
	for i, p := range c.Points {
		pts[i] = base64.StdEncoding.EncodeToString(p)
	}
	return fmt.Appendf(nil, "%s %s %d %s\n", commitmentMagic, c.Ceremony, c.Threshold, strings.Join(pts, ","))
}

// ParseCommitment parses the file form of a commitment. It returns
// ErrBadShare.
func ParseCommitment(b []byte) (Commitment, error) {
	f, err := fields(b, commitmentMagic, 5)
	if err != nil {
		return Commitment{}, err
	}
	c := Commitment{Ceremony: f[2]}
	if c.Threshold, err = parseSmall(f[3], 2, 255); err != nil {
		return Commitment{}, fmt.Errorf("%w: threshold: %v", ErrBadShare, err)
	}
	pts := strings.Split(f[4], ",")
	if len(pts) != c.Threshold {
		return Commitment{}, fmt.Errorf("%w: %d commitments, want %d", ErrBadShare, len(pts), c.Threshold)
	}
	for _, p := range pts {
		b, err := decodeB64(p, 32, 32)
		if err != nil {
			return Commitment{}, fmt.Errorf("%w: commitment: %v", ErrBadShare, err)
		}
		c.Points = append(c.Points, b)
	}
	return c, nil
}

// fields splits a one-line record and checks its magic, field count and
// ceremony id (field 2).
func fields(b []byte, magic string, n int) ([]string, error) {
	line := strings.TrimSuffix(string(b), "\n")
	f := strings.Split(line, " ")
	if len(b) > 4096 || len(f) != n || f[0]+" "+f[1] != magic || strings.ContainsAny(line, "\r\n\t") {
		return nil, fmt.Errorf("%w: want one line %q with %d fields", ErrBadShare, magic, n)
	}
	if !isHex(f[2], 32) {
		return nil, fmt.Errorf("%w: ceremony id is not 32 lower-case hex digits", ErrBadShare)
	}
	return f, nil
}

func parseSmall(s string, lo, hi int) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi || strconv.Itoa(v) != s {
		return 0, fmt.Errorf("%q is not an integer from %d to %d", s, lo, hi)
	}
	return v, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// splitSecret draws a random secret and shares it threshold-of-n. It
// returns the secret's encoding (which the caller zeroes), the shares and
// the Feldman commitment.
func splitSecret(rand io.Reader, ceremony string, threshold, n int) ([]byte, []Share, Commitment, error) {
	if threshold < 2 || threshold > n || n > 255 {
		return nil, nil, Commitment{}, fmt.Errorf("invalid sharing %d-of-%d", threshold, n)
	}
	secret := shareGroup.RandomScalar(rand)
	ss := secretsharing.New(rand, uint(threshold-1), secret)
	var shares []Share
	for i, s := range ss.Share(uint(n)) { // ids 1..n in order
		v, err := s.Value.MarshalBinary()
		if err != nil {
			return nil, nil, Commitment{}, err
		}
		shares = append(shares, Share{Ceremony: ceremony, Threshold: threshold, ID: uint16(i + 1), Value: v})
	}
	c := Commitment{Ceremony: ceremony, Threshold: threshold}
	for _, e := range ss.CommitSecret() {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, nil, Commitment{}, err
		}
		c.Points = append(c.Points, b)
	}
	sb, err := secret.MarshalBinary()
	return sb, shares, c, err
}

// kekFromSecret derives the 32-byte AES-256 KEK from the shared secret.
func kekFromSecret(secret []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, kekInfo, 32)
}
