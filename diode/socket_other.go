//go:build !linux

package diode

import "net"

// tuneReceive sizes conn's receive buffer.
func tuneReceive(conn *net.UDPConn, size int) (int, error) {
	return size, conn.SetReadBuffer(size)
}

// tuneSend sizes conn's send buffer.
func tuneSend(conn *net.UDPConn, size int) (int, error) {
	return size, conn.SetWriteBuffer(size)
}

// control is what the kernel attaches to a datagram read; nothing outside
// Linux.
type control struct {
	drops    uint32
	hasDrops bool
	segment  int
}
