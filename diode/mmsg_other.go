//go:build !linux

package diode

import (
	"errors"
	"net"
)

// mmsgMax is the most datagrams one call moves.
const mmsgMax = 64

// batchConn moves datagrams one system call each where sendmmsg(2) and
// recvmmsg(2) are missing, with the same interface as on Linux.
type batchConn struct{ conn *net.UDPConn }

func newBatchConn(conn *net.UDPConn, _ int, _ bool) (*batchConn, error) {
	return &batchConn{conn}, nil
}

// write sends every datagram of ds in order; refused ones are skipped
// and counted in failed.
func (b *batchConn) write(ds [][]byte) (sent, failed int, last, err error) {
	for _, d := range ds {
		if _, werr := b.conn.Write(d); werr != nil {
			if errors.Is(werr, net.ErrClosed) {
				return sent, failed, last, werr
			}
			failed, last = failed+1, werr
			continue
		}
		sent++
	}
	return sent, failed, last, nil
}

// read receives one datagram into bufs[0].
func (b *batchConn) read(bufs [][]byte, sizes, segs []int) (n int, drops uint32, hasDrops bool, err error) {
	m, err := b.conn.Read(bufs[0])
	if err != nil {
		return 0, 0, false, err
	}
	sizes[0], segs[0] = m, 0
	return 1, 0, false, nil
}

func (b *batchConn) noSegments() {}

// canSegment is false: segmentation offload is Linux's.
func (b *batchConn) canSegment(int) bool { return false }

// writeSegments sends ds like write.
func (b *batchConn) writeSegments(_ []byte, ds [][]byte, _ int, _ []int) (sent, failed int, last, err error) {
	return b.write(ds)
}
