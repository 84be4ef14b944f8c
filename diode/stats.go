package diode

import (
	"sync/atomic"
	"time"
)

// SenderStats are a Sender's counters since it started. Byte counts are
// batch payload bytes unless named otherwise.
type SenderStats struct {
	Session          uint64
	Batches          uint64 // batches whose first transmission finished
	Bytes            uint64
	Datagrams        uint64 // datagrams written, of every type
	WireBytes        uint64 // bytes written to the socket
	ParityDatagrams  uint64
	Heartbeats       uint64
	Announcements    uint64
	CarouselResends  uint64 // batches sent again
	CarouselDropped  uint64 // batches dropped from the carousel early (memory bound)
	CarouselPending  int    // batches awaiting a resend
	SendErrors       uint64 // failed socket writes
	LastSendError    string // the last failed write's error, "" if none
	PacingWait       time.Duration
	HasBatch         bool
	LastSeq          uint64
	SocketBuffer     int    // SO_SNDBUF granted, in bytes
	KernelSndbufErrs uint64 // /proc/net/snmp Udp SndbufErrors (whole host)
}

type senderCounters struct {
	batches, bytes, datagrams, wireBytes, parity     atomic.Uint64
	heartbeats, announcements, resends, carouselDrop atomic.Uint64
	sendErrors                                       atomic.Uint64
	lastSendError                                    atomic.Pointer[string]
	pacingWait                                       atomic.Int64
	firstSeq, lastSeq                                atomic.Uint64
	hasBatch                                         atomic.Bool
}

// ReceiverStats are a Receiver's counters since it was made.
type ReceiverStats struct {
	Session          uint64 // current session, 0 if none
	Datagrams        uint64 // datagrams read
	WireBytes        uint64
	Malformed        uint64 // failed the header check, or lied after authentication
	UnknownType      uint64
	AuthFailures     uint64 // AEAD or signature failures
	UnknownSession   uint64 // sealed datagrams of a session not (yet) known
	StaleSession     uint64 // datagrams of a replaced or expired session
	Announcements    uint64 // announcements whose signature was verified
	VerifyDropped    uint64 // announcements dropped by the verification rate limit
	DuplicateShards  uint64 // shards already held, or of delivered batches
	DatagramsLost    uint64 // holes in the datagram counter of the session
	GroupsRepaired   uint64
	Batches          uint64 // batches delivered to the queue
	Bytes            uint64
	DuplicateBatches uint64 // rebuilt again after delivery (dropped)
	Gaps             uint64 // batches reported by KindGap
	TailMissing      uint64 // batches reported by KindTailMissing
	GapsFilled       uint64
	Lost             uint64 // batches reported by KindLost
	Evicted          uint64 // partial batches dropped for memory
	Heartbeats       uint64
	HeartbeatsMissed uint64
	SenderRestarts   uint64
	MemoryBytes      int // bytes held by partial batches
	LimboDatagrams   int
	LimboBytes       int
	QueueBatches     int
	QueueBytes       int
	QueueDrops       uint64
	EventsDropped    uint64
	HandlerTime      time.Duration // time spent in Handler.Batch
	SocketBuffer     int           // SO_RCVBUF granted, in bytes
	SocketDrops      uint64        // this socket's kernel drops (SO_RXQ_OVFL); a segmented message that came whole counts once
	KernelRcvbufErrs uint64        // /proc/net/snmp Udp RcvbufErrors (whole host)
	// FirstData and LastData are when the first and the last authenticated
	// shard of a first transmission (not a carousel resend) was read;
	// LastBatch is when the last batch was rebuilt and queued. Zero until
	// it happened. From FirstData to the later of LastData and LastBatch is
	// the transfer as the receiver saw it, without process start-up,
	// session set-up or the Handler's output after the last batch.
	FirstData, LastData, LastBatch time.Time
	// Sender is the sender's own account from its last heartbeat.
	Sender SenderReport
}

// Goodput returns the batch bytes delivered per second between FirstData
// and the later of LastData and LastBatch, or 0 before two datagrams.
func (st ReceiverStats) Goodput() float64 {
	end := st.LastData
	if st.LastBatch.After(end) {
		end = st.LastBatch
	}
	d := end.Sub(st.FirstData).Seconds()
	if st.FirstData.IsZero() || d <= 0 {
		return 0
	}
	return float64(st.Bytes) / d
}

// SenderReport is what the last heartbeat said.
type SenderReport struct {
	Time             time.Time
	HasBatch         bool
	FirstSeq         uint64
	LastSeq          uint64
	Batches          uint64
	Datagrams        uint64
	Bytes            uint64
	CarouselResends  uint64
	CarouselDropped  uint64
	SendErrors       uint64
	KernelSndbufErrs uint64
}
