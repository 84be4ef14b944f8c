// Package wire defines the byte layout of diode datagrams: the fixed header
// that every datagram carries in clear (and that the AEAD binds as associated
// data), the signed session announcement and the signed heartbeat.
//
// Parsers here check shape only: they never allocate by a declared size and
// never trust a field. Authentication happens in package diode.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Magic opens every datagram.
var Magic = [4]byte{'B', 'S', 'T', 'D'}

// Version is the only wire version this package reads and writes.
const Version = 1

// HeaderLen is the size of the fixed datagram header in bytes.
const HeaderLen = 44

// MaxDatagram is the largest datagram the format allows, in bytes (the
// largest IPv4 UDP payload).
const MaxDatagram = 65507

// Type says what a datagram carries.
type Type uint8

// Datagram types. Any other value is rejected.
const (
	TypeAnnounce  Type = 1 // signed session announcement, not encrypted
	TypeShard     Type = 2 // one FEC shard of a batch, sealed
	TypeHeartbeat Type = 3 // signed sender status, sealed
)

// Flag bits of Header.Flags.
const (
	// FlagCarousel marks a shard sent again by the carousel rather than in
	// the batch's first transmission.
	FlagCarousel = 0x01
	// FlagClosing marks a heartbeat sent while the sender shuts down.
	FlagClosing = 0x02
	flagsKnown  = FlagCarousel | FlagClosing
)

// Header parsing errors.
var (
	// ErrShort is returned for a datagram shorter than HeaderLen.
	ErrShort = errors.New("datagram shorter than header")
	// ErrMagic is returned when the datagram does not start with Magic.
	ErrMagic = errors.New("bad magic")
	// ErrVersion is returned for a wire version other than Version.
	ErrVersion = errors.New("unsupported version")
	// ErrType is returned for a datagram type this version does not define.
	ErrType = errors.New("unknown datagram type")
)

// Header is the clear, fixed part of every datagram. All integers are big
// endian. Layout (byte offsets):
//
//	0  magic [4]      4  version      5  type        6  flags     7  shard index
//	8  session [8]   16  counter [8] 24  batch seq [8]
//	32 group [4]     36  k           37  m          38  body length [2]
//	40 batch length [4]
//
// Counter is unique per datagram within a session and forms the AEAD nonce.
// For announcements Counter, Seq, Group, Index, K, M and BatchLen are zero.
type Header struct {
	Type     Type
	Flags    uint8
	Index    uint8  // shard index within its FEC group
	Session  uint64 // random session id chosen by the sender
	Counter  uint64 // datagram number within the session, from 1
	Seq      uint64 // batch sequence number
	Group    uint32 // FEC group within the batch
	K, M     uint8  // data and parity shards of the group
	BodyLen  uint16 // bytes after the header
	BatchLen uint32 // total batch length in bytes
}

// AppendHeader appends the encoding of h to b.
func AppendHeader(b []byte, h *Header) []byte {
	b = append(b, Magic[:]...)
	b = append(b, Version, byte(h.Type), h.Flags, h.Index)
	b = binary.BigEndian.AppendUint64(b, h.Session)
	b = binary.BigEndian.AppendUint64(b, h.Counter)
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = binary.BigEndian.AppendUint32(b, h.Group)
	b = append(b, h.K, h.M)
	b = binary.BigEndian.AppendUint16(b, h.BodyLen)
	return binary.BigEndian.AppendUint32(b, h.BatchLen)
}

// ParseHeader reads the header at the start of d and checks the fields that
// need no key: magic, version, type, flags and that BodyLen matches the
// datagram's length. It returns ErrShort, ErrMagic, ErrVersion, ErrType or a
// descriptive error.
func ParseHeader(d []byte) (Header, error) {
	var h Header
	if len(d) < HeaderLen {
		return h, fmt.Errorf("%w: %d bytes, want at least %d", ErrShort, len(d), HeaderLen)
	}
	if [4]byte(d[0:4]) != Magic {
		return h, ErrMagic
	}
	if d[4] != Version {
		return h, fmt.Errorf("%w %d", ErrVersion, d[4])
	}
	h.Type, h.Flags, h.Index = Type(d[5]), d[6], d[7]
	if h.Type < TypeAnnounce || h.Type > TypeHeartbeat {
		return h, fmt.Errorf("%w 0x%02x", ErrType, d[5])
	}
	if h.Flags&^flagsKnown != 0 {
		return h, fmt.Errorf("malformed header: unknown flags 0x%02x", h.Flags)
	}
	h.Session = binary.BigEndian.Uint64(d[8:])
	h.Counter = binary.BigEndian.Uint64(d[16:])
	h.Seq = binary.BigEndian.Uint64(d[24:])
	h.Group = binary.BigEndian.Uint32(d[32:])
	h.K, h.M = d[36], d[37]
	h.BodyLen = binary.BigEndian.Uint16(d[38:])
	h.BatchLen = binary.BigEndian.Uint32(d[40:])
	if int(h.BodyLen) != len(d)-HeaderLen {
		return h, fmt.Errorf("malformed header: body length %d, datagram carries %d",
			h.BodyLen, len(d)-HeaderLen)
	}
	return h, nil
}

// Nonce writes the 12-byte AEAD nonce of a datagram: the type, three zero
// bytes, then the counter. Counters never repeat within a session, and each
// session has its own key, so no nonce repeats under one key.
func Nonce(dst *[12]byte, t Type, counter uint64) {
	dst[0], dst[1], dst[2], dst[3] = byte(t), 0, 0, 0
	binary.BigEndian.PutUint64(dst[4:], counter)
}

// counterOffset is where Counter sits in an encoded header.
const counterOffset = 16

// PutCounter overwrites the counter of the header encoded at the start of
// d, which must hold at least HeaderLen bytes.
func PutCounter(d []byte, counter uint64) {
	binary.BigEndian.PutUint64(d[counterOffset:counterOffset+8], counter)
}

// IsParity reports whether the shard header encoded at the start of d, at
// least HeaderLen bytes, carries a parity shard: its index is at least k.
func IsParity(d []byte) bool { return d[7] >= d[36] }
