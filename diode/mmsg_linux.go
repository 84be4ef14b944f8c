package diode

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr of sendmmsg(2) and recvmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// batchConn moves many datagrams per system call: sendmmsg(2) on a
// connected socket, recvmmsg(2) on a bound one. Its buffers are reused
// between calls, so a call allocates nothing. It is not safe for
// concurrent use; one goroutine writes and another may read through two
// batchConns on the same socket.
type batchConn struct {
	raw  syscall.RawConn
	hdrs []mmsghdr
	iovs []unix.Iovec
	ctl  []byte // recvmmsg: one control buffer of ctlLen per message

	// segmenting is true while the socket takes UDP segmentation offload
	// (UDP_SEGMENT, udp(7)): one message of many equal datagrams laid end
	// to end, cut apart by the kernel or the network card. It turns false
	// for good at the first refusal.
	segmenting bool
	segCtl     []byte // the UDP_SEGMENT control message of writeSegments

	// State of the call in progress, read by the closures below.
	count, done int
	errno       syscall.Errno
	sendFn      func(fd uintptr) bool
	recvFn      func(fd uintptr) bool
}

// ctlLen holds the SO_RXQ_OVFL control message of one datagram.
const ctlLen = 64

// mmsgMax is the most datagrams one call moves.
const mmsgMax = 64

func newBatchConn(conn *net.UDPConn, slots int, control bool) (*batchConn, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("failed to reach socket: %w", err)
	}
	b := &batchConn{raw: raw, hdrs: make([]mmsghdr, slots), iovs: make([]unix.Iovec, slots)}
	if control {
		b.ctl = make([]byte, slots*ctlLen)
	}
	b.sendFn = func(fd uintptr) bool { return b.call(fd, unix.SYS_SENDMMSG) }
	// A kernel that knows UDP_SEGMENT (4.18 on) answers its getsockopt.
	_ = raw.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
		b.segmenting = err == nil
	})
	b.segCtl = make([]byte, unix.CmsgSpace(2))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b.segCtl[0]))
	h.Level, h.Type = unix.IPPROTO_UDP, unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	b.recvFn = func(fd uintptr) bool { return b.call(fd, unix.SYS_RECVMMSG) }
	return b, nil
}

// call makes one system call over b.hdrs[:b.count]; false asks the
// runtime to wait until the socket is ready and call again.
func (b *batchConn) call(fd uintptr, trap uintptr) bool {
	n, _, e := unix.Syscall6(trap, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(b.count),
		unix.MSG_DONTWAIT, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	b.done, b.errno = int(n), e
	if e != 0 {
		b.done = 0
	}
	return true
}

// write sends every datagram of ds, at most slots of them, in order. A
// datagram the kernel refuses is skipped and counted in failed, with the
// last such error; the others still go. err is a socket failure.
func (b *batchConn) write(ds [][]byte) (sent, failed int, last, err error) {
	for len(ds) > 0 {
		b.count = min(len(ds), len(b.hdrs))
		for i, d := range ds[:b.count] {
			b.iovs[i] = unix.Iovec{Base: &d[0]}
			b.iovs[i].SetLen(len(d))
			b.hdrs[i] = mmsghdr{hdr: unix.Msghdr{Iov: &b.iovs[i], Iovlen: 1}}
		}
		if err := b.raw.Write(b.sendFn); err != nil {
			return sent, failed, last, err
		}
		if b.errno != 0 {
			// The first datagram failed: skip it and carry on.
			failed++
			last = b.errno
			ds = ds[1:]
			continue
		}
		sent += b.done
		ds = ds[b.done:]
	}
	return sent, failed, last, nil
}

// noSegments turns segmentation offload off.
func (b *batchConn) noSegments() { b.segmenting = false }

// canSegment reports whether writeSegments may send datagrams of size
// bytes as segmented messages.
func (b *batchConn) canSegment(size int) bool {
	return b.segmenting && size <= segmentBytes/2
}

// writeSegments sends ds like write, as segmented messages: message i
// holds the next counts[i] datagrams, at most segmentMax and segmentBytes.
// Every datagram is seg bytes long and they lie end to end in buf, which
// ds slices. A message the kernel refuses is sent again datagram by
// datagram. A refusal that says the socket or its route cannot segment
// turns segmenting off and sends the rest the plain way: EIO (no checksum
// offload on the way), EINVAL, EOPNOTSUPP, or EMSGSIZE (a datagram beyond
// the path MTU, which the plain way fragments).
func (b *batchConn) writeSegments(buf []byte, ds [][]byte, seg int, counts []int) (sent, failed int, last, err error) {
	binary.NativeEndian.PutUint16(b.segCtl[unix.CmsgLen(0):], uint16(seg))
	done := 0 // datagrams handed over or given up
	for len(counts) > 0 {
		if !b.segmenting {
			s, f, l, err := b.write(ds[done:])
			return sent + s, failed + f, cmp.Or(l, last), err
		}
		b.count = min(len(counts), len(b.hdrs))
		at := done
		for i, c := range counts[:b.count] {
			b.iovs[i] = unix.Iovec{Base: &buf[at*seg]}
			b.iovs[i].SetLen(c * seg)
			b.hdrs[i] = mmsghdr{hdr: unix.Msghdr{Iov: &b.iovs[i], Iovlen: 1}}
			if c > 1 {
				b.hdrs[i].hdr.Control = &b.segCtl[0]
				b.hdrs[i].hdr.SetControllen(len(b.segCtl))
			}
			at += c
		}
		if err := b.raw.Write(b.sendFn); err != nil {
			return sent, failed, last, err
		}
		if b.errno != 0 {
			switch b.errno {
			case unix.EIO, unix.EINVAL, unix.EOPNOTSUPP, unix.EMSGSIZE:
				b.segmenting = false
				continue
			}
			// The first message failed for its own sake: its datagrams
			// go one by one, each refusal counted.
			c := counts[0]
			s, f, l, err := b.write(ds[done : done+c])
			sent, failed, last = sent+s, failed+f, cmp.Or(l, last)
			if err != nil {
				return sent, failed, last, err
			}
			done, counts = done+c, counts[1:]
			continue
		}
		for _, c := range counts[:b.done] {
			sent, done = sent+c, done+c
		}
		counts = counts[b.done:]
	}
	return sent, failed, last, nil
}

// read receives up to len(bufs) messages, at least one, waiting for the
// first until the socket's read deadline. sizes[i] is message i's length;
// a message longer than its buffer gets size -1. segs[i] is its segment
// size when it is several datagrams that arrived whole (UDP_GRO), else 0.
// drops is the kernel's SO_RXQ_OVFL count as of the last message, if
// reported.
func (b *batchConn) read(bufs [][]byte, sizes, segs []int) (n int, drops uint32, hasDrops bool, err error) {
	b.count = min(len(bufs), len(b.hdrs))
	for i, buf := range bufs[:b.count] {
		b.iovs[i] = unix.Iovec{Base: &buf[0]}
		b.iovs[i].SetLen(len(buf))
		b.hdrs[i] = mmsghdr{hdr: unix.Msghdr{Iov: &b.iovs[i], Iovlen: 1}}
		if b.ctl != nil {
			b.hdrs[i].hdr.Control = &b.ctl[i*ctlLen]
			b.hdrs[i].hdr.SetControllen(ctlLen)
		}
	}
	if err := b.raw.Read(b.recvFn); err != nil {
		return 0, 0, false, err
	}
	if b.errno != 0 {
		return 0, 0, false, b.errno
	}
	for i := range b.done {
		sizes[i], segs[i] = int(b.hdrs[i].n), 0
		if b.hdrs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
			sizes[i] = -1
		}
		if b.ctl != nil {
			c := readControl(b.ctl[i*ctlLen : i*ctlLen+int(b.hdrs[i].hdr.Controllen)])
			segs[i] = c.segment
			if c.hasDrops {
				drops, hasDrops = c.drops, true
			}
		}
	}
	return b.done, drops, hasDrops, nil
}
