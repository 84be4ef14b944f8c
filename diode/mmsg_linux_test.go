package diode

import (
	"bytes"
	"encoding/binary"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// controlMessage builds one control message of the given level and type.
func controlMessage(level, typ int32, data []byte) []byte {
	b := make([]byte, syscall.CmsgSpace(len(data)))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(syscall.CmsgLen(len(data)))
	copy(b[syscall.CmsgLen(0):], data)
	return b
}

func TestOverflowCount(t *testing.T) {
	drops := binary.NativeEndian.AppendUint32(nil, 4242)
	ovfl := controlMessage(syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, drops)
	other := controlMessage(syscall.SOL_IP, syscall.IP_TTL, []byte{64, 0, 0, 0})
	for _, tc := range []struct {
		name string
		oob  []byte
		want uint32
		ok   bool
	}{
		{"alone", ovfl, 4242, true},
		{"after another", append(append([]byte(nil), other...), ovfl...), 4242, true},
		{"absent", other, 0, false},
		{"empty", nil, 0, false},
		{"truncated", ovfl[:len(ovfl)-6], 0, false},
		{"length beyond buffer", append([]byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}, ovfl[8:]...), 0, false},
	} {
		got, ok := overflowCount(tc.oob)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzControlMessage: the control message parser never panics.
func FuzzControlMessage(f *testing.F) {
	f.Add(controlMessage(syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, []byte{1, 0, 0, 0}))
	f.Add([]byte{})
	f.Add(make([]byte, 17))
	f.Fuzz(func(t *testing.T, oob []byte) { overflowCount(oob) })
}

// TestBatchConnRoundTrip writes datagrams of varied sizes many per call
// and reads them back many per call, in order and intact.
func TestBatchConnRoundTrip(t *testing.T) {
	rc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	sc, err := net.DialUDP("udp", nil, rc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	w, err := newBatchConn(sc, mmsgMax, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newBatchConn(rc, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	const n = 150 // more than one call's worth on both sides
	var ds [][]byte
	for i := range n {
		ds = append(ds, payload(uint64(i), 1+i*37%1400))
	}
	bufs := make([][]byte, 7)
	for i := range bufs {
		bufs[i] = make([]byte, 1500)
	}
	sizes := make([]int, 7)
	rc.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := 0
	for off := 0; off < n; off += mmsgMax {
		// One call's worth at a time, read back before the next, so that
		// a default-sized receive buffer holds it.
		want := min(mmsgMax, n-off)
		sent, failed, _, err := w.write(ds[off : off+want])
		if err != nil || failed != 0 || sent != want {
			t.Fatalf("write: sent %d, failed %d, err %v; want %d, 0, nil", sent, failed, err, want)
		}
		for got < off+want {
			k, _, _, err := r.read(bufs, sizes)
			if err != nil {
				t.Fatalf("read after %d datagrams: %v", got, err)
			}
			for i := range k {
				if !bytes.Equal(bufs[i][:sizes[i]], ds[got]) {
					t.Fatalf("datagram %d: got %d bytes, want %d intact", got, sizes[i], len(ds[got]))
				}
				got++
			}
		}
	}
}
