package hsm

import (
	"context"
	"errors"

	"github.com/miekg/pkcs11"
)

// Errors returned by this package. Callers branch on them with errors.Is.
var (
	// ErrNoToken is returned when no token of the pool can serve a request:
	// all are DOWN, or every one failed the request with a device error.
	ErrNoToken = errors.New("no HSM token available")
	// ErrUnsealAuth is returned when a sealed seed fails AES-GCM
	// authentication: the file was altered, belongs to another key, or was
	// sealed under another KEK. It is a property of the input, not of the
	// token, and never causes failover (REPLAY H7).
	ErrUnsealAuth = errors.New("sealed seed failed authentication")
	// ErrKeyMismatch is returned when a key derived or found on a token
	// differs from the enrolled public key (REPLAY H8).
	ErrKeyMismatch = errors.New("key does not match the enrolled public key")
	// ErrKeyNotFound is returned when a token holds no object with the
	// requested CKA_ID.
	ErrKeyNotFound = errors.New("key not found on token")
	// ErrPINFile is returned when a PIN file is missing, empty or readable
	// by anyone but its owner.
	ErrPINFile = errors.New("unusable PIN file")
	// ErrBadShare is returned for a malformed, duplicated or zero-ID
	// custodian share, or one that fails its Feldman commitment check.
	ErrBadShare = errors.New("bad custodian share")
	// ErrCeremonyExists is returned when the ceremony directory is already
	// in use; a ceremony never overwrites one.
	ErrCeremonyExists = errors.New("ceremony directory already exists")
	// ErrBadSealedSeed is returned for a sealed-seed file that cannot be
	// parsed.
	ErrBadSealedSeed = errors.New("malformed sealed seed file")
	// ErrQuarantined is wrapped in the error about a token whose KEK or
	// public keys differ from its peers'; the pool never uses it again.
	ErrQuarantined = errors.New("HSM token quarantined: its keys differ from its peers'")
	// ErrBadWrappedKey is returned for an EC key backup file that cannot be
	// parsed, or that belongs to another key.
	ErrBadWrappedKey = errors.New("malformed wrapped EC key file")
	// ErrBadCeremonyRecord is returned by Recovery and Migration when the
	// public files of a ceremony directory are missing, malformed or
	// disagree with each other.
	ErrBadCeremonyRecord = errors.New("bad ceremony record")
	// ErrWrongToken is returned, as a device-class failure, when the token
	// found where a configured one was expected has another serial number:
	// the token is refused and stays DOWN until the right one is back.
	ErrWrongToken = errors.New("HSM token has an unexpected serial number")
	// ErrClosed is returned by a Pool used after Close.
	ErrClosed = errors.New("HSM pool is closed")
)

// Class sorts a failure by what the pool should do about it.
type Class int

const (
	// ClassNone is a nil error.
	ClassNone Class = iota
	// ClassSession means the session is unusable: evict it and retry on a
	// fresh session of the same token (REPLAY H4).
	ClassSession
	// ClassLogin means the token forgot the login or an object handle went
	// stale: log in again, refresh handles and retry (REPLAY H3).
	ClassLogin
	// ClassDevice means the token or its slot failed: mark it DOWN and fail
	// over to another token.
	ClassDevice
	// ClassAuth means the input failed a cryptographic check (a GCM tag, a
	// signature): report it, never fail over.
	ClassAuth
	// ClassCaller means the request was wrong (bad mechanism, template or
	// length): report it, never fail over.
	ClassCaller
	// ClassCredentials means the PIN was refused or locked: take the token
	// out of service without retrying, so the PIN is not locked by retries.
	ClassCredentials
)

var classNames = [...]string{"none", "session", "login", "device", "authentication", "caller", "credentials"}

// String returns the class name used in logs and status output.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Classify returns the class of err. PKCS#11 return values are sorted by
// PKCS#11 v2.40 §5.1; errors this package made itself carry their class
// (ErrUnsealAuth is ClassAuth); a cancelled or expired context is
// ClassCaller; anything else is ClassDevice, the safe
// choice for an unknown failure of the token.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassCaller
	}
	var ce classedError
	if errors.As(err, &ce) {
		return ce.class
	}
	if errors.Is(err, ErrUnsealAuth) || errors.Is(err, ErrKeyMismatch) {
		return ClassAuth
	}
	var rv pkcs11.Error
	if !errors.As(err, &rv) {
		return ClassDevice
	}
	if c, ok := rvClass[uint(rv)]; ok {
		return c
	}
	return ClassDevice
}

// classedError attaches a class to an error made by this package.
type classedError struct {
	class Class
	err   error
}

func (e classedError) Error() string { return e.err.Error() }
func (e classedError) Unwrap() error { return e.err }

var rvClass = map[uint]Class{
	pkcs11.CKR_SESSION_HANDLE_INVALID:    ClassSession,
	pkcs11.CKR_SESSION_CLOSED:            ClassSession,
	pkcs11.CKR_OPERATION_ACTIVE:          ClassSession,
	pkcs11.CKR_OPERATION_NOT_INITIALIZED: ClassSession,
	pkcs11.CKR_SESSION_READ_ONLY:         ClassSession,

	pkcs11.CKR_USER_NOT_LOGGED_IN:    ClassLogin,
	pkcs11.CKR_OBJECT_HANDLE_INVALID: ClassLogin,
	pkcs11.CKR_KEY_HANDLE_INVALID:    ClassLogin,

	pkcs11.CKR_DEVICE_ERROR:             ClassDevice,
	pkcs11.CKR_DEVICE_MEMORY:            ClassDevice,
	pkcs11.CKR_DEVICE_REMOVED:           ClassDevice,
	pkcs11.CKR_TOKEN_NOT_PRESENT:        ClassDevice,
	pkcs11.CKR_TOKEN_NOT_RECOGNIZED:     ClassDevice,
	pkcs11.CKR_SLOT_ID_INVALID:          ClassDevice,
	pkcs11.CKR_GENERAL_ERROR:            ClassDevice,
	pkcs11.CKR_HOST_MEMORY:              ClassDevice,
	pkcs11.CKR_FUNCTION_FAILED:          ClassDevice,
	pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED: ClassDevice,
	pkcs11.CKR_SESSION_COUNT:            ClassDevice,

	pkcs11.CKR_ENCRYPTED_DATA_INVALID:   ClassAuth,
	pkcs11.CKR_ENCRYPTED_DATA_LEN_RANGE: ClassAuth,
	pkcs11.CKR_SIGNATURE_INVALID:        ClassAuth,
	pkcs11.CKR_SIGNATURE_LEN_RANGE:      ClassAuth,
	pkcs11.CKR_WRAPPED_KEY_INVALID:      ClassAuth,

	pkcs11.CKR_ARGUMENTS_BAD:              ClassCaller,
	pkcs11.CKR_DATA_INVALID:               ClassCaller,
	pkcs11.CKR_DATA_LEN_RANGE:             ClassCaller,
	pkcs11.CKR_MECHANISM_INVALID:          ClassCaller,
	pkcs11.CKR_MECHANISM_PARAM_INVALID:    ClassCaller,
	pkcs11.CKR_KEY_TYPE_INCONSISTENT:      ClassCaller,
	pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED: ClassCaller,
	pkcs11.CKR_TEMPLATE_INCOMPLETE:        ClassCaller,
	pkcs11.CKR_TEMPLATE_INCONSISTENT:      ClassCaller,
	pkcs11.CKR_ATTRIBUTE_TYPE_INVALID:     ClassCaller,
	pkcs11.CKR_ATTRIBUTE_VALUE_INVALID:    ClassCaller,
	pkcs11.CKR_ATTRIBUTE_READ_ONLY:        ClassCaller,
	pkcs11.CKR_ATTRIBUTE_SENSITIVE:        ClassCaller,
	pkcs11.CKR_BUFFER_TOO_SMALL:           ClassCaller,

	pkcs11.CKR_PIN_INCORRECT: ClassCredentials,
	pkcs11.CKR_PIN_INVALID:   ClassCredentials,
	pkcs11.CKR_PIN_LEN_RANGE: ClassCredentials,
	pkcs11.CKR_PIN_EXPIRED:   ClassCredentials,
	pkcs11.CKR_PIN_LOCKED:    ClassCredentials,
}
