package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Heartbeat is the sender's status, sent at least every second. Its encoding
// is signed, then sealed like a shard.
type Heartbeat struct {
	Time time.Time // sender clock when sent
	// HasBatch is false until the session's first batch has been sent;
	// FirstSeq and LastSeq are meaningful only when it is true.
	HasBatch bool
	FirstSeq uint64 // first batch sequence sent in this session
	LastSeq  uint64 // last batch whose first transmission has finished
	// Sender counters since the session started.
	Batches, Datagrams, Bytes        uint64
	CarouselResends, CarouselDropped uint64
	SendErrors, KernelSndbufErrors   uint64
}

// HeartbeatLen is the length of an encoded heartbeat without its signature.
const HeartbeatLen = 1 + 8 + 1 + 8*2 + 8*7

// ErrHeartbeat is wrapped by every heartbeat parsing error.
var ErrHeartbeat = errors.New("malformed heartbeat")

// AppendHeartbeat appends the encoding of h to b.
func AppendHeartbeat(b []byte, h *Heartbeat) []byte {
	b = append(b, Version)
	b = binary.BigEndian.AppendUint64(b, uint64(h.Time.UnixNano()))
	var has byte
	if h.HasBatch {
		has = 1
	}
	b = append(b, has)
	for _, v := range []uint64{h.FirstSeq, h.LastSeq, h.Batches, h.Datagrams, h.Bytes,
		h.CarouselResends, h.CarouselDropped, h.SendErrors, h.KernelSndbufErrors} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

// ParseHeartbeat decodes a heartbeat from the start of p; the rest of p,
// from HeartbeatLen on, is the signature. Errors wrap ErrHeartbeat.
func ParseHeartbeat(p []byte) (*Heartbeat, error) {
	r := reader{b: p}
	if v := r.u8(); v != Version {
		return nil, fmt.Errorf("%w: version %d", ErrHeartbeat, v)
	}
	h := &Heartbeat{Time: time.Unix(0, int64(r.u64())).UTC()}
	switch r.u8() {
	case 0:
	case 1:
		h.HasBatch = true
	default:
		return nil, fmt.Errorf("%w: bad batch flag", ErrHeartbeat)
	}
	for _, v := range []*uint64{&h.FirstSeq, &h.LastSeq, &h.Batches, &h.Datagrams, &h.Bytes,
		&h.CarouselResends, &h.CarouselDropped, &h.SendErrors, &h.KernelSndbufErrors} {
		*v = r.u64()
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHeartbeat, r.err)
	}
	if h.HasBatch && h.LastSeq < h.FirstSeq {
		return nil, fmt.Errorf("%w: last sequence %d before first %d", ErrHeartbeat, h.LastSeq, h.FirstSeq)
	}
	return h, nil
}
