package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Limits of an announcement. They bound every length an announcement may
// declare.
const (
	MaxLinkName     = 64   // bytes
	MaxEnc          = 2048 // bytes of HPKE encapsulated key
	MaxCarousel     = 16   // resends per batch
	MaxShards       = 256  // data plus parity shards per FEC group
	MinShardSize    = 16   // bytes
	MaxAnnounceBody = 16 << 10
)

// Announce is a session announcement: everything a receiver needs to join a
// session. The sender signs its encoding and repeats it periodically.
type Announce struct {
	Session   uint64
	Start     time.Time // sender start, nanosecond precision
	Link      string    // link name, [A-Za-z0-9._-], 1 to MaxLinkName bytes
	KEM       uint16    // HPKE KEM id (RFC 9180 §7.1)
	KDF       uint16    // HPKE KDF id (RFC 9180 §7.2)
	AEAD      uint16    // HPKE AEAD id (RFC 9180 §7.3)
	Enc       []byte    // HPKE encapsulated key
	ShardSize uint16    // bytes of batch data per shard
	MaxBatch  uint32    // largest batch in bytes
	Heartbeat time.Duration
	Interval  time.Duration // announcement repeat interval
	Parity    []uint8       // Parity[k-1] is the parity count of a k-shard group
	Carousel  []time.Duration
}

// ErrAnnounce is wrapped by every announcement parsing error.
var ErrAnnounce = errors.New("malformed announcement")

// AppendAnnounce appends the encoding of a to b. It does not validate a;
// ParseAnnounce does.
func AppendAnnounce(b []byte, a *Announce) []byte {
	b = append(b, Version)
	b = binary.BigEndian.AppendUint64(b, a.Session)
	b = binary.BigEndian.AppendUint64(b, uint64(a.Start.UnixNano()))
	b = append(b, byte(len(a.Link)))
	b = append(b, a.Link...)
	b = binary.BigEndian.AppendUint16(b, a.KEM)
	b = binary.BigEndian.AppendUint16(b, a.KDF)
	b = binary.BigEndian.AppendUint16(b, a.AEAD)
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.Enc)))
	b = append(b, a.Enc...)
	b = binary.BigEndian.AppendUint16(b, a.ShardSize)
	b = binary.BigEndian.AppendUint32(b, a.MaxBatch)
	b = binary.BigEndian.AppendUint32(b, uint32(a.Heartbeat.Milliseconds()))
	b = binary.BigEndian.AppendUint32(b, uint32(a.Interval.Milliseconds()))
	b = append(b, byte(len(a.Parity)))
	b = append(b, a.Parity...)
	b = append(b, byte(len(a.Carousel)))
	for _, d := range a.Carousel {
		b = binary.BigEndian.AppendUint32(b, uint32(d.Milliseconds()))
	}
	return b
}

// ParseAnnounce decodes an announcement from the start of p and returns it
// with the number of bytes it used; the rest of p is the signature. Every
// field is range-checked; errors wrap ErrAnnounce and name the field.
func ParseAnnounce(p []byte) (*Announce, int, error) {
	r := reader{b: p}
	a := &Announce{}
	if v := r.u8(); v != Version {
		return nil, 0, fmt.Errorf("%w: version %d", ErrAnnounce, v)
	}
	a.Session = r.u64()
	a.Start = time.Unix(0, int64(r.u64())).UTC()
	a.Link = string(r.bytes(int(r.u8())))
	a.KEM, a.KDF, a.AEAD = r.u16(), r.u16(), r.u16()
	a.Enc = r.bytes(int(r.u16()))
	a.ShardSize = r.u16()
	a.MaxBatch = r.u32()
	a.Heartbeat = time.Duration(r.u32()) * time.Millisecond
	a.Interval = time.Duration(r.u32()) * time.Millisecond
	a.Parity = r.bytes(int(r.u8()))
	n := int(r.u8())
	if n > MaxCarousel {
		return nil, 0, fmt.Errorf("%w: %d carousel resends, at most %d", ErrAnnounce, n, MaxCarousel)
	}
	for range n {
		a.Carousel = append(a.Carousel, time.Duration(r.u32())*time.Millisecond)
	}
	if r.err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrAnnounce, r.err)
	}
	if err := a.check(); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrAnnounce, err)
	}
	return a, r.off, nil
}

// check validates the ranges of a decoded announcement.
func (a *Announce) check() error {
	if err := CheckLinkName(a.Link); err != nil {
		return err
	}
	switch {
	case len(a.Enc) == 0 || len(a.Enc) > MaxEnc:
		return fmt.Errorf("encapsulated key of %d bytes", len(a.Enc))
	case a.ShardSize < MinShardSize || int(a.ShardSize) > MaxDatagram-HeaderLen-16:
		return fmt.Errorf("shard size %d out of range", a.ShardSize)
	case a.MaxBatch == 0:
		return errors.New("max batch 0")
	case a.Heartbeat <= 0 || a.Interval <= 0:
		return errors.New("zero heartbeat or announce interval")
	case len(a.Parity) == 0:
		return errors.New("empty parity table")
	}
	for i, m := range a.Parity {
		if i+1+int(m) > MaxShards {
			return fmt.Errorf("group of %d data and %d parity shards exceeds %d", i+1, m, MaxShards)
		}
	}
	for i := 1; i < len(a.Carousel); i++ {
		if a.Carousel[i] < a.Carousel[i-1] {
			return errors.New("carousel delays not increasing")
		}
	}
	return nil
}

// CheckLinkName reports whether s is a valid link name: 1 to MaxLinkName
// bytes of ASCII letters, digits, '.', '_' or '-'.
func CheckLinkName(s string) error {
	if len(s) == 0 || len(s) > MaxLinkName {
		return fmt.Errorf("link name of %d bytes, want 1 to %d", len(s), MaxLinkName)
	}
	for i := range len(s) {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("link name has byte 0x%02x at %d", c, i)
		}
	}
	return nil
}
