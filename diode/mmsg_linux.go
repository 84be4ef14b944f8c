package diode

import (
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

// read receives up to len(bufs) datagrams, at least one, waiting for the
// first until the socket's read deadline. sizes[i] is datagram i's length;
// a datagram longer than its buffer gets size -1. drops is the kernel's
// SO_RXQ_OVFL count as of the last datagram, if reported.
func (b *batchConn) read(bufs [][]byte, sizes []int) (n int, drops uint32, hasDrops bool, err error) {
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
		sizes[i] = int(b.hdrs[i].n)
		if b.hdrs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
			sizes[i] = -1
		}
	}
	if b.ctl != nil && b.done > 0 {
		last := b.done - 1
		drops, hasDrops = overflowCount(b.ctl[last*ctlLen : last*ctlLen+int(b.hdrs[last].hdr.Controllen)])
	}
	return b.done, drops, hasDrops, nil
}
