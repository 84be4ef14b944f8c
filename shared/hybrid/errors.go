package hybrid

import "errors"

// Errors returned by this package. Callers branch on them with errors.Is.
var (
	// ErrUnknownSuite is returned for a suite name this package does not
	// implement.
	ErrUnknownSuite = errors.New("unknown hybrid suite")
	// ErrBadPublicKey is returned when public key bytes have the wrong
	// length or the EC point is not on the curve.
	ErrBadPublicKey = errors.New("malformed hybrid public key")
	// ErrBadSignature is returned by Verify when the signature is malformed
	// or either half fails to verify.
	ErrBadSignature = errors.New("invalid hybrid signature")
	// ErrContextTooLong is returned when an application context exceeds
	// 255 bytes (FIPS 204 §5.2, draft §4.2 step 1).
	ErrContextTooLong = errors.New("context longer than 255 bytes")
	// ErrBadKeyText is returned by ParsePublicKeyText for a malformed line.
	ErrBadKeyText = errors.New("malformed public key text")
	// ErrBadSeed is returned for an ML-DSA seed that is not 32 bytes.
	ErrBadSeed = errors.New("ML-DSA seed must be 32 bytes")
)
