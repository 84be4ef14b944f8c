package diode

import (
	"encoding/binary"
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// tuneReceive sizes conn's receive buffer and enables SO_RXQ_OVFL, which
// makes the kernel attach the socket's cumulative drop count to every
// datagram read (socket(7)), and UDP_GRO, which lets a segmented message
// arrive whole, with its segment size attached (udp(7)); a kernel without
// UDP_GRO cuts such messages apart itself. It returns the buffer size
// granted. The plain
// SO_RCVBUF request is capped by net.core.rmem_max; as root SO_RCVBUFFORCE
// is tried to lift the cap.
func tuneReceive(conn *net.UDPConn, size int) (int, error) {
	return tune(conn, size, syscall.SO_RCVBUF, syscall.SO_RCVBUFFORCE, true)
}

// tuneSend sizes conn's send buffer like tuneReceive.
func tuneSend(conn *net.UDPConn, size int) (int, error) {
	return tune(conn, size, syscall.SO_SNDBUF, syscall.SO_SNDBUFFORCE, false)
}

func tune(conn *net.UDPConn, size, opt, force int, overflow bool) (int, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("failed to reach socket: %w", err)
	}
	var got int
	var serr error
	err = raw.Control(func(fd uintptr) {
		// The kernel doubles the value for bookkeeping and reports the
		// doubled size; ask for half to get size.
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size/2)
		got, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, opt)
		if serr == nil && got < size {
			if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, force, size/2) == nil {
				got, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, opt)
			}
		}
		if overflow && serr == nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
			_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_UDP, unix.UDP_GRO, 1)
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return got, fmt.Errorf("failed to size socket buffer: %w", err)
	}
	return got, nil
}

// control is what the kernel attaches to a datagram read.
type control struct {
	drops    uint32 // SO_RXQ_OVFL: the socket's drops so far
	hasDrops bool
	segment  int // UDP_GRO: the segment size of a message that arrived whole, or 0
}

// readControl extracts the SO_RXQ_OVFL drop counter and the UDP_GRO
// segment size from a control message buffer (cmsg(3)). It allocates
// nothing: it runs for every read.
func readControl(oob []byte) control {
	const hdrLen = syscall.SizeofCmsghdr
	lenSize := int(unsafe.Sizeof(syscall.Cmsghdr{}.Len))
	var c control
	for len(oob) >= hdrLen {
		var l int
		if lenSize == 8 {
			l = int(min(binary.NativeEndian.Uint64(oob), uint64(len(oob))+1))
		} else {
			l = int(binary.NativeEndian.Uint32(oob))
		}
		if l < hdrLen || l > len(oob) {
			return c
		}
		level := int32(binary.NativeEndian.Uint32(oob[lenSize:]))
		typ := int32(binary.NativeEndian.Uint32(oob[lenSize+4:]))
		data := oob[cmsgAlign(hdrLen):l]
		switch {
		case level == syscall.SOL_SOCKET && typ == syscall.SO_RXQ_OVFL && len(data) >= 4:
			c.drops, c.hasDrops = binary.NativeEndian.Uint32(data), true
		case level == syscall.IPPROTO_UDP && typ == unix.UDP_GRO && len(data) >= 4:
			c.segment = max(0, int(int32(binary.NativeEndian.Uint32(data))))
		}
		oob = oob[min(cmsgAlign(l), len(oob)):]
	}
	return c
}

// overflowCount extracts the SO_RXQ_OVFL drop counter from a control
// message buffer.
func overflowCount(oob []byte) (uint32, bool) {
	c := readControl(oob)
	return c.drops, c.hasDrops
}

// cmsgAlign rounds n up to the control message alignment, a word.
func cmsgAlign(n int) int {
	const w = int(unsafe.Sizeof(uintptr(0)))
	return (n + w - 1) &^ (w - 1)
}
