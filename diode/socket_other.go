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

// overflowCount is unavailable outside Linux.
func overflowCount([]byte) (uint32, bool) { return 0, false }
