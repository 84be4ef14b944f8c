// Package diode moves opaque batches one way over UDP, from the high side's
// exporter to the low side's guard, with nothing ever travelling back.
//
// A Sender opens a session by HPKE (RFC 9180) to the guard's public key with
// the hybrid ML-KEM-768 + X25519 KEM, signs a session announcement through a
// Signer and repeats it, so a receiver that starts late still joins. Every
// batch is cut into Reed-Solomon groups (package internal/fec), interleaved,
// sealed datagram by datagram with AES-256-GCM under a key exported from the
// HPKE context, paced by a token bucket and re-sent by a carousel at
// increasing delays. Signed heartbeats report what was sent.
//
// On Linux the sender hands the kernel up to 64 datagrams per system call
// (sendmmsg) and, where the kernel has UDP segmentation offload, several
// equal datagrams per message for the kernel or the network card to cut
// apart; a message never holds two shards of one group, so a filter that
// drops a whole message before it is cut costs each group one shard, as a
// lost datagram would. The receiver asks for such messages whole (UDP_GRO)
// and cuts them itself. Either side falls back to plain datagrams where
// the kernel refuses.
//
// A Receiver authenticates every datagram before it keeps any state for it,
// rebuilds batches within fixed memory budgets, delivers each batch once,
// and reports gaps, missing tails, missed heartbeats and sender restarts as
// events. Memory bounds are stated on ReceiverConfig.
package diode

import "errors"

// Signer signs session announcements and heartbeats. msg is the encoded
// record, ctx a domain-separation string. The appliance signs with its
// hybrid HSM key (bastion/shared/hybrid); the diode command uses Ed25519.
type Signer interface {
	Sign(msg, ctx []byte) ([]byte, error)
}

// Verifier checks a signature made by the matching Signer. It returns nil
// only for a valid signature of msg under ctx.
type Verifier interface {
	Verify(msg, ctx, sig []byte) error
}

// Signature contexts: every signature the diode makes is bound to one.
var (
	ctxAnnounce  = []byte("bastion diode announce v1")
	ctxHeartbeat = []byte("bastion diode heartbeat v1")
)

// Errors returned by Sender and Receiver methods.
var (
	// ErrClosed is returned by Send after Close.
	ErrClosed = errors.New("diode sender closed")
	// ErrBatchTooLarge is returned by Send for a batch over MaxBatch.
	ErrBatchTooLarge = errors.New("batch exceeds maximum size")
	// ErrSequence is returned by Send for a sequence not above the last.
	ErrSequence = errors.New("batch sequence not increasing")
	// ErrRunning is returned by Run when the receiver already runs or ran.
	ErrRunning = errors.New("diode receiver already started")
	// ErrConfig is wrapped by configuration errors from NewSender and
	// NewReceiver.
	ErrConfig = errors.New("invalid diode configuration")
)
