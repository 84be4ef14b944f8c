//go:build !linux

package lossylink

import "net"

// forceBuffers sizes both sockets' buffers.
func forceBuffers(in, out *net.UDPConn, size int) {
	in.SetReadBuffer(size)
	out.SetWriteBuffer(size)
}
