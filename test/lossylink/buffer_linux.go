package lossylink

import (
	"net"
	"syscall"
)

// forceBuffers sizes both sockets' buffers, past net.core.rmem_max and
// wmem_max when running as root (SO_RCVBUFFORCE, SO_SNDBUFFORCE).
func forceBuffers(in, out *net.UDPConn, size int) {
	in.SetReadBuffer(size)
	out.SetWriteBuffer(size)
	set := func(c *net.UDPConn, opt int) {
		if raw, err := c.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size/2) })
		}
	}
	set(in, syscall.SO_RCVBUFFORCE)
	set(out, syscall.SO_SNDBUFFORCE)
}
