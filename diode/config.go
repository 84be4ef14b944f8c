package diode

import (
	"fmt"
	"time"

	"bastion/diode/internal/fec"
	"bastion/diode/internal/wire"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied to zero fields of SenderConfig and ReceiverConfig.
const (
	DefaultMaxBatch      = 8 << 20                    // bytes
	DefaultShardSize     = 1472 - wire.HeaderLen - 16 // fits a 1500-byte IPv4 MTU
	DefaultMaxDataShards = 200
	DefaultDesignLoss    = 0.05
	DefaultGroupFailure  = 1e-9
	DefaultRate          = 100_000_000 // bytes per second
	DefaultBurst         = 256 << 10   // bytes
	DefaultHeartbeat     = 500 * time.Millisecond
	DefaultAnnounce      = time.Second
	DefaultCarouselBytes = 64 << 20
	DefaultSocketBuffer  = 64 << 20 // bytes: about 7,000 datagrams of 8,960 bytes, 0.1 s at 5 Gbit/s
)

// DefaultCarousel is the resend schedule used when SenderConfig.Carousel is
// nil: each batch goes out again 1 s and 4 s after its first transmission.
var DefaultCarousel = []time.Duration{time.Second, 4 * time.Second}

// RateUnlimited as SenderConfig.Rate turns pacing off.
const RateUnlimited = -1

// SenderConfig configures a Sender. Zero fields take the defaults above.
type SenderConfig struct {
	// Link names the link, 1 to 64 bytes of [A-Za-z0-9._-]. Required.
	Link string
	// RecipientKey is the guard's public key (GenerateRecipientKey).
	// Required.
	RecipientKey []byte
	// Signer signs announcements and heartbeats. Required.
	Signer Signer

	// MaxBatch is the largest batch Send accepts, in bytes.
	MaxBatch int
	// ShardSize is the batch bytes per datagram; a datagram is 60 bytes
	// longer (header and tag). Keep datagrams within the path MTU.
	ShardSize int
	// MaxDataShards is the largest Reed-Solomon group's data shard count,
	// 1 to 255. Bigger groups spend less parity for the same safety.
	MaxDataShards int
	// ParityShards, when positive, fixes the parity shard count of every
	// group. Otherwise parity is computed per group size from DesignLoss
	// and GroupFailure.
	ParityShards int
	// DesignLoss is the independent datagram loss rate the code is sized
	// for, in [0, 0.5).
	DesignLoss float64
	// GroupFailure is the accepted probability that a group cannot be
	// rebuilt at DesignLoss, in (0, 0.01].
	GroupFailure float64

	// Rate is the pacing rate in bytes per second (RateUnlimited: none).
	Rate int64
	// Burst is the token bucket depth in bytes.
	Burst int
	// Heartbeat is the heartbeat interval, at most 1 s.
	Heartbeat time.Duration
	// AnnounceInterval is how often the announcement is repeated.
	AnnounceInterval time.Duration
	// Carousel lists the delays after a batch's first transmission at which
	// it is sent again, increasing. Nil means DefaultCarousel.
	Carousel []time.Duration
	// DisableCarousel turns resending off.
	DisableCarousel bool
	// CarouselBytes bounds the batch bytes the carousel keeps; the oldest
	// batches leave first.
	CarouselBytes int
	// SocketBuffer is the SO_SNDBUF size requested, in bytes.
	SocketBuffer int
	// NoSegmentOffload hands the kernel every datagram on its own instead
	// of several equal ones per message for it or the network card to cut
	// apart (UDP segmentation offload, used where the kernel has it).
	NoSegmentOffload bool
	// Registerer, when set, receives the sender's metrics.
	Registerer prometheus.Registerer
}

func (c *SenderConfig) setDefaults() {
	c.MaxBatch = or(c.MaxBatch, DefaultMaxBatch)
	c.ShardSize = or(c.ShardSize, DefaultShardSize)
	c.MaxDataShards = or(c.MaxDataShards, DefaultMaxDataShards)
	c.GroupFailure = or(c.GroupFailure, DefaultGroupFailure)
	c.Rate = or(c.Rate, DefaultRate)
	c.Burst = or(c.Burst, DefaultBurst)
	c.Heartbeat = or(c.Heartbeat, DefaultHeartbeat)
	c.AnnounceInterval = or(c.AnnounceInterval, DefaultAnnounce)
	c.CarouselBytes = or(c.CarouselBytes, DefaultCarouselBytes)
	c.SocketBuffer = or(c.SocketBuffer, DefaultSocketBuffer)
	if c.DesignLoss == 0 {
		c.DesignLoss = DefaultDesignLoss
	}
	if c.Carousel == nil {
		c.Carousel = DefaultCarousel
	}
	if c.DisableCarousel {
		c.Carousel = nil
	}
}

func (c *SenderConfig) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, a...))
	}
	switch {
	case wire.CheckLinkName(c.Link) != nil:
		return bad("%v", wire.CheckLinkName(c.Link))
	case c.Signer == nil:
		return bad("no signer")
	case c.MaxBatch < 1 || c.MaxBatch > 1<<30:
		return bad("max batch %d bytes, want 1 to 1 GiB", c.MaxBatch)
	case c.ShardSize < wire.MinShardSize || c.ShardSize > wire.MaxDatagram-wire.HeaderLen-16:
		return bad("shard size %d bytes out of range", c.ShardSize)
	case c.MaxDataShards < 1 || c.MaxDataShards > 255:
		return bad("max data shards %d, want 1 to 255", c.MaxDataShards)
	case c.ParityShards < 0 || c.MaxDataShards+c.ParityShards > wire.MaxShards:
		return bad("parity shards %d with %d data shards exceed %d", c.ParityShards, c.MaxDataShards, wire.MaxShards)
	case !(c.DesignLoss >= 0 && c.DesignLoss < 0.5): // NaN fails every comparison
		return bad("design loss %g, want [0, 0.5)", c.DesignLoss)
	case !(c.GroupFailure > 0 && c.GroupFailure <= 0.01):
		return bad("group failure %g, want (0, 0.01]", c.GroupFailure)
	case c.Rate < 1 && c.Rate != RateUnlimited:
		return bad("rate %d bytes/s", c.Rate)
	case c.Heartbeat < 10*time.Millisecond || c.Heartbeat > time.Second:
		return bad("heartbeat interval %v, want 10ms to 1s", c.Heartbeat)
	case c.AnnounceInterval < 10*time.Millisecond || c.AnnounceInterval > time.Minute:
		return bad("announce interval %v, want 10ms to 1m", c.AnnounceInterval)
	case len(c.Carousel) > wire.MaxCarousel:
		return bad("%d carousel resends, at most %d", len(c.Carousel), wire.MaxCarousel)
	}
	for i, d := range c.Carousel {
		if d <= 0 || d > time.Hour || i > 0 && d < c.Carousel[i-1] {
			return bad("carousel delays must increase within (0, 1h]: %v", c.Carousel)
		}
	}
	return nil
}

// parityTable returns the parity count of every group size.
func (c *SenderConfig) parityTable() []uint8 {
	if c.ParityShards > 0 {
		t := make([]uint8, c.MaxDataShards)
		for i := range t {
			t[i] = uint8(c.ParityShards)
		}
		return t
	}
	return fec.ParityTable(c.MaxDataShards, c.DesignLoss, c.GroupFailure)
}

// ReceiverConfig configures a Receiver. Zero fields take defaults.
//
// Memory is bounded by MaxMemory (shards of batches being rebuilt), plus
// QueueBytes (rebuilt batches awaiting the Handler), plus LimboBytes
// (datagrams of sessions not yet announced), plus 2 MiB of read buffers
// (32 datagrams of up to 64 KiB per system call) and a shard free list of
// at most 4096 shards. Sessions hold no memory
// beyond these: only one session is active, a new verified announcement
// replaces it, and an idle session expires after SessionTimeout.
type ReceiverConfig struct {
	// Link is the only link name accepted. Required.
	Link string
	// PrivateKey is the guard's private key (GenerateRecipientKey).
	// Required.
	PrivateKey []byte
	// Verifier checks announcement and heartbeat signatures. Required.
	Verifier Verifier

	// MaxBatch is the largest batch accepted, in bytes (default 8 MiB).
	MaxBatch int
	// MaxMemory bounds the bytes held by batches being rebuilt (default
	// 64 MiB, at least 2×MaxBatch); the oldest partial batch is dropped
	// and reported as a gap when it would be exceeded. A batch's data
	// buffer (its length rounded up to whole shards) is counted in full
	// when its first shard authenticates, since shards are decrypted into
	// their place in it; parity shards are counted as they arrive.
	MaxMemory int
	// QueueBatches and QueueBytes bound rebuilt batches awaiting the
	// Handler (defaults 256 and 64 MiB). A batch that finds the queue full
	// is dropped, counted, and may arrive again from the carousel.
	QueueBatches int
	QueueBytes   int
	// LimboDatagrams, LimboBytes and LimboTTL bound datagrams kept for a
	// session whose announcement has not been verified yet (defaults 4096,
	// 8 MiB, 3 s).
	LimboDatagrams int
	LimboBytes     int
	LimboTTL       time.Duration
	// SessionTimeout ends a session with no authenticated datagram for
	// this long (default 10 s).
	SessionTimeout time.Duration
	// HeartbeatMisses is how many announced heartbeat intervals may pass
	// without a heartbeat before KindHeartbeatMissed (default 3).
	HeartbeatMisses int
	// VerifyRate bounds signature checks of new announcements per second
	// (default 20); more are dropped and counted.
	VerifyRate int
	// RememberBatches is how many delivered sequences of the current
	// session are remembered for deduplication (default 65536). A new
	// session starts with none remembered.
	RememberBatches int
	// SocketBuffer is the SO_RCVBUF size requested, in bytes (default
	// 64 MiB; as root SO_RCVBUFFORCE lifts the system limit).
	SocketBuffer int
	// EventInterval limits per-datagram events (malformed, auth failure,
	// unknown type) to one per kind per interval, with a count (default 1 s).
	EventInterval time.Duration
	// Registerer, when set, receives the receiver's metrics.
	Registerer prometheus.Registerer
}

func (c *ReceiverConfig) setDefaults() {
	c.MaxBatch = or(c.MaxBatch, DefaultMaxBatch)
	c.MaxMemory = or(c.MaxMemory, max(64<<20, 2*c.MaxBatch+(4<<20)))
	c.QueueBatches = or(c.QueueBatches, 256)
	c.QueueBytes = or(c.QueueBytes, 64<<20)
	c.LimboDatagrams = or(c.LimboDatagrams, 4096)
	c.LimboBytes = or(c.LimboBytes, 8<<20)
	c.LimboTTL = or(c.LimboTTL, 3*time.Second)
	c.SessionTimeout = or(c.SessionTimeout, 10*time.Second)
	c.HeartbeatMisses = or(c.HeartbeatMisses, 3)
	c.VerifyRate = or(c.VerifyRate, 20)
	c.RememberBatches = or(c.RememberBatches, 65536)
	c.SocketBuffer = or(c.SocketBuffer, DefaultSocketBuffer)
	c.EventInterval = or(c.EventInterval, time.Second)
}

func (c *ReceiverConfig) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, a...))
	}
	switch {
	case wire.CheckLinkName(c.Link) != nil:
		return bad("%v", wire.CheckLinkName(c.Link))
	case c.Verifier == nil:
		return bad("no verifier")
	case c.MaxBatch < 1 || c.MaxBatch > 1<<30:
		return bad("max batch %d bytes, want 1 to 1 GiB", c.MaxBatch)
	case c.MaxMemory < c.MaxBatch+c.MaxBatch/4:
		return bad("max memory %d bytes cannot hold one %d-byte batch with parity", c.MaxMemory, c.MaxBatch)
	case c.QueueBytes < c.MaxBatch || c.QueueBatches < 1:
		return bad("queue of %d batches, %d bytes cannot hold one %d-byte batch", c.QueueBatches, c.QueueBytes, c.MaxBatch)
	case c.LimboDatagrams < 0 || c.LimboBytes < 0:
		return bad("negative limbo bound")
	case c.HeartbeatMisses < 1 || c.VerifyRate < 1 || c.RememberBatches < 16:
		return bad("heartbeat misses, verify rate and remembered batches must be positive")
	}
	return nil
}

func or[T int | int64 | float64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
