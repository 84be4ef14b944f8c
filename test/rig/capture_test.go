//go:build rig

package rig

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/afpacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// capture records every frame an interface receives: a memory-mapped
// AF_PACKET socket (packet(7)) with a classic BPF filter that refuses the
// frames the host itself sends, so only incoming frames reach the ring.
type capture struct {
	tp     *afpacket.TPacket
	mu     sync.Mutex
	frames [][]byte
	stop   chan struct{}
	done   chan struct{}
}

// incomingOnly is a socket filter passing every frame whose packet type
// is not PACKET_OUTGOING.
func incomingOnly() ([]bpf.RawInstruction, error) {
	return bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.PACKET_OUTGOING, SkipTrue: 1},
		bpf.RetConstant{Val: 1 << 18},
		bpf.RetConstant{Val: 0},
	})
}

// startCapture opens the capture on dev inside namespace ns. It stops at
// the test's cleanup.
func startCapture(t *testing.T, ns, dev string) *capture {
	t.Helper()
	filter, err := incomingOnly()
	if err != nil {
		t.Fatal(err)
	}
	c := &capture{stop: make(chan struct{}), done: make(chan struct{})}
	err = enter(ns, func() error {
		tp, err := afpacket.NewTPacket(afpacket.OptInterface(dev), afpacket.OptPollTimeout(50*time.Millisecond))
		if err != nil {
			return fmt.Errorf("failed to open capture on %s: %w", dev, err)
		}
		if err := tp.SetBPF(filter); err != nil {
			tp.Close()
			return fmt.Errorf("failed to attach filter: %w", err)
		}
		c.tp = tp
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	go c.run()
	t.Cleanup(c.close)
	return c
}

func (c *capture) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		data, _, err := c.tp.ReadPacketData()
		if errors.Is(err, afpacket.ErrTimeout) || err != nil {
			continue
		}
		c.mu.Lock()
		c.frames = append(c.frames, data)
		c.mu.Unlock()
	}
}

// close stops the reader and closes the socket; it is idempotent.
func (c *capture) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
		<-c.done
		c.tp.Close()
	}
}

// received returns the frames captured so far.
func (c *capture) received() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.frames...)
}

// kernelDrops returns the frames the kernel dropped for want of ring
// space; a capture that dropped frames proves nothing.
func (c *capture) kernelDrops() (uint, error) {
	_, v3, err := c.tp.SocketStats()
	return v3.Drops(), err
}

// describe summarises frames for a failure message.
func describe(frames [][]byte) string {
	s := ""
	for i, f := range frames {
		if i == 5 {
			return s + fmt.Sprintf("... and %d more", len(frames)-5)
		}
		s += gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default).String() + "\n"
	}
	return s
}

// udpFrame is a UDP datagram from the low side's address to the high
// side's, built by hand.
func udpFrame(src, dst net.HardwareAddr, from, to net.IP, payload []byte) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: from, DstIP: to}
	udp := &layers.UDP{SrcPort: 7000, DstPort: 9}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inject writes frame out of dev in namespace ns through a packet socket,
// which no nftables hook of the family inet or arp sees: the control that
// proves the capture and the high side's counter would see a frame.
func inject(ns, dev string, frame []byte) error {
	return enter(ns, func() error {
		ifc, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
		if err != nil {
			return fmt.Errorf("failed to open packet socket: %w", err)
		}
		defer unix.Close(fd)
		to := &unix.SockaddrLinklayer{Ifindex: ifc.Index, Protocol: htons(unix.ETH_P_IP), Halen: 6}
		copy(to.Addr[:], frame[:6])
		return unix.Sendto(fd, frame, 0, to)
	})
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
