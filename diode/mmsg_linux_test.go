package diode

import (
	"bytes"
	"encoding/binary"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
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

// TestReadControl: the segment size of a message that arrived whole is
// read beside the drop counter, in either order; a negative or short one
// reads as none.
func TestReadControl(t *testing.T) {
	ovfl := controlMessage(syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, binary.NativeEndian.AppendUint32(nil, 7))
	gro := controlMessage(syscall.IPPROTO_UDP, unix.UDP_GRO, binary.NativeEndian.AppendUint32(nil, 1460))
	negative := controlMessage(syscall.IPPROTO_UDP, unix.UDP_GRO, binary.NativeEndian.AppendUint32(nil, 0xffffffff))
	short := controlMessage(syscall.IPPROTO_UDP, unix.UDP_GRO, []byte{1, 2})
	for _, tc := range []struct {
		name string
		oob  []byte
		want control
	}{
		{"drops then segment", append(append([]byte(nil), ovfl...), gro...), control{7, true, 1460}},
		{"segment then drops", append(append([]byte(nil), gro...), ovfl...), control{7, true, 1460}},
		{"segment alone", gro, control{segment: 1460}},
		{"negative segment", negative, control{}},
		{"short segment", short, control{}},
	} {
		if got := readControl(tc.oob); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// FuzzControlMessage: the control message parser never panics.
func FuzzControlMessage(f *testing.F) {
	f.Add(controlMessage(syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, []byte{1, 0, 0, 0}))
	f.Add([]byte{})
	f.Add(make([]byte, 17))
	f.Fuzz(func(t *testing.T, oob []byte) { readControl(oob) })
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
			k, _, _, err := r.read(bufs, sizes, make([]int, len(sizes)))
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

// TestBatchConnSegments sends equal datagrams as segmented messages of
// varied counts and reads them back, in order and intact: with offload
// where the kernel takes it, the messages arriving whole (UDP_GRO) or cut
// apart, and on a socket that refuses it (SO_NO_CHECK, which UDP
// segmentation cannot honour), where the writer falls back to plain
// datagrams and loses none.
func TestBatchConnSegments(t *testing.T) {
	for _, tc := range []struct {
		name         string
		noCheck, gro bool
	}{{"offload, arriving whole", false, true}, {"offload, cut apart", false, false}, {"refused", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if _, err := tuneReceive(rc, 4<<20); err != nil {
				t.Fatal(err)
			}
			if !tc.gro {
				raw, _ := rc.SyscallConn()
				raw.Control(func(fd uintptr) {
					err = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_UDP, unix.UDP_GRO, 0)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			sc, err := net.DialUDP("udp", nil, rc.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			w, err := newBatchConn(sc, mmsgMax, false)
			if err != nil {
				t.Fatal(err)
			}
			if !w.segmenting {
				t.Skip("this kernel has no UDP segmentation offload")
			}
			if tc.noCheck {
				raw, _ := sc.SyscallConn()
				raw.Control(func(fd uintptr) {
					err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_NO_CHECK, 1)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			const seg, n = 1460, 100
			buf := make([]byte, seg*n)
			var ds [][]byte
			for i := range n {
				d := buf[i*seg : (i+1)*seg]
				copy(d, payload(uint64(i), seg))
				ds = append(ds, d)
			}
			counts := []int{8, 1, 8, 8, 3, 40, 8, 24}
			sent, failed, _, err := w.writeSegments(buf, ds, seg, counts)
			if err != nil || failed != 0 || sent != n {
				t.Fatalf("writeSegments: sent %d, failed %d, err %v; want %d, 0, nil", sent, failed, err, n)
			}
			if w.segmenting == tc.noCheck {
				t.Errorf("segmenting after the writes = %v, want %v", w.segmenting, !tc.noCheck)
			}
			r, err := newBatchConn(rc, 16, true)
			if err != nil {
				t.Fatal(err)
			}
			bufs, sizes, segs := make([][]byte, 16), make([]int, 16), make([]int, 16)
			for i := range bufs {
				bufs[i] = make([]byte, 1<<16)
			}
			rc.SetReadDeadline(time.Now().Add(5 * time.Second))
			whole := 0 // messages that arrived as several datagrams
			for got := 0; got < n; {
				k, _, _, err := r.read(bufs, sizes, segs)
				if err != nil {
					t.Fatalf("read after %d datagrams: %v", got, err)
				}
				for i := range k {
					d, step := bufs[i][:sizes[i]], len(bufs[i][:sizes[i]])
					if segs[i] > 0 {
						step = segs[i]
						whole++
					}
					for ; len(d) > 0; d = d[min(step, len(d)):] {
						if got >= n || !bytes.Equal(d[:min(step, len(d))], ds[got]) {
							t.Fatalf("datagram %d: got %d bytes, want %d intact", got, min(step, len(d)), seg)
						}
						got++
					}
				}
			}
			// Offloaded messages of several datagrams arrive whole only
			// where the receiver asked for that.
			if wantWhole := tc.gro && !tc.noCheck; (whole > 0) != wantWhole {
				t.Errorf("%d messages arrived whole; want some: %v", whole, wantWhole)
			}
		})
	}
}
