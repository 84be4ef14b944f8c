package diode

import (
	"encoding/binary"
	"fmt"
	"net"
	"syscall"
	"unsafe"
)

// tuneReceive sizes conn's receive buffer and enables SO_RXQ_OVFL, which
// makes the kernel attach the socket's cumulative drop count to every
// datagram read (socket(7)). It returns the buffer size granted. The plain
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

// overflowCount extracts the SO_RXQ_OVFL drop counter from a control
// message buffer (cmsg(3)). It allocates nothing: it runs for every read.
func overflowCount(oob []byte) (uint32, bool) {
	const hdrLen = syscall.SizeofCmsghdr
	lenSize := int(unsafe.Sizeof(syscall.Cmsghdr{}.Len))
	for len(oob) >= hdrLen {
		var l int
		if lenSize == 8 {
			l = int(min(binary.NativeEndian.Uint64(oob), uint64(len(oob))+1))
		} else {
			l = int(binary.NativeEndian.Uint32(oob))
		}
		if l < hdrLen || l > len(oob) {
			return 0, false
		}
		level := int32(binary.NativeEndian.Uint32(oob[lenSize:]))
		typ := int32(binary.NativeEndian.Uint32(oob[lenSize+4:]))
		if level == syscall.SOL_SOCKET && typ == syscall.SO_RXQ_OVFL && l >= cmsgAlign(hdrLen)+4 {
			return binary.NativeEndian.Uint32(oob[cmsgAlign(hdrLen):]), true
		}
		oob = oob[min(cmsgAlign(l), len(oob)):]
	}
	return 0, false
}

// cmsgAlign rounds n up to the control message alignment, a word.
func cmsgAlign(n int) int {
	const w = int(unsafe.Sizeof(uintptr(0)))
	return (n + w - 1) &^ (w - 1)
}
