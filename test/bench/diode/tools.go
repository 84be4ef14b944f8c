package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Ports inside the namespace.
const (
	iperfPort   = 5201
	udpcastBase = 9000
	diodePort   = 7000
)

// iperf3 sends the size unpaced with iperf3 -u: the most a receiver on
// this machine takes in. It has no FEC and checks no content, so ok only
// means that no datagram was lost.
func (b *bench) iperf3(ctx context.Context, payload, _ int) result {
	r := result{Note: "ceiling: unpaced, no FEC, no integrity check; ok means no datagram lost"}
	ctx, cancel := context.WithTimeout(ctx, b.o.timeout)
	defer cancel()
	srv, err := b.start(ctx, "iperf3", "-s", "-1", "-p", strconv.Itoa(iperfPort))
	if err != nil {
		return r.failed(err)
	}
	defer srv.wait()
	if err := b.waitBound(ctx, iperfPort, false); err != nil {
		return r.failed(err)
	}
	cli, err := b.start(ctx, "iperf3", "-c", "127.0.0.1", "-p", strconv.Itoa(iperfPort), "-u", "-b", "0",
		"-l", strconv.Itoa(payload), "-n", strconv.FormatInt(b.size, 10), "-w", "32M", "-J")
	if err != nil {
		return r.failed(err)
	}
	if err := cli.wait(); err != nil {
		return r.failed(err)
	}
	var doc struct {
		End struct {
			Sent struct {
				Bytes   uint64  `json:"bytes"`
				Seconds float64 `json:"seconds"`
			} `json:"sum_sent"`
			Received struct {
				Bytes uint64 `json:"bytes"`
				Lost  uint64 `json:"lost_packets"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(cli.stdout.Bytes(), &doc); err != nil {
		return r.failed(fmt.Errorf("iperf3 -J: %w", err))
	}
	e := doc.End
	r.Sent, r.Delivered, r.Seconds = e.Sent.Bytes, e.Received.Bytes, e.Sent.Seconds
	r.Goodput = mbps(e.Received.Bytes, e.Sent.Seconds)
	r.Basis = "iperf3 received bytes over its test time"

	r.OK = e.Received.Lost == 0 && e.Received.Bytes == e.Sent.Bytes
	return r
}

// udpcastMaxBlock is udpcast's largest block (datagram payload).
const udpcastMaxBlock = 1456

// udpcast sends the file with udp-sender in one-way mode: --async, FEC of
// 16 blocks per 64 (25 %), in 8 interleaved stripes, paced at mbps.
func (b *bench) udpcast(ctx context.Context, payload, rate int) result {
	r := result{FECOverhead: 16.0 / 64, Pacing: pacing(rate)}
	if payload > udpcastMaxBlock {
		r.Note, r.skipped = fmt.Sprintf("not run: udpcast blocks are at most %d bytes", udpcastMaxBlock), true
		return r
	}
	out := filepath.Join(b.work, "udpcast.out")
	os.Remove(out)
	ctx, cancel := context.WithTimeout(ctx, b.o.timeout)
	defer cancel()
	recv, err := b.start(ctx, "udp-receiver", "--nokbd", "--interface", "lo", "--file", out,
		"--portbase", strconv.Itoa(udpcastBase), "--rcvbuf", strconv.Itoa(32<<20),
		"--start-timeout", "20", "--receive-timeout", "10")
	if err != nil {
		return r.failed(err)
	}
	if err := b.waitBound(ctx, udpcastBase, true); err != nil {
		recv.wait()
		return r.failed(err)
	}
	start := time.Now()
	send, err := b.start(ctx, "udp-sender", "--nokbd", "--interface", "lo", "--file", b.in,
		"--portbase", strconv.Itoa(udpcastBase), "--async", "--fec", "8x16/64",
		"--max-bitrate", fmt.Sprintf("%dm", rate), "-b", strconv.Itoa(payload),
		"--rexmit-hello-interval", "50", "--autostart", "3")
	if err != nil {
		recv.wait()
		return r.failed(err)
	}
	serr, rerr := send.wait(), recv.wait()
	r = b.finish(r, start, out, firstErr(serr, rerr))
	r.Basis = "whole run: udp-sender start to udp-receiver exit"
	return r
}

// diode sends the file with the diode command at FEC 16 parity per 64
// data shards (25 %), the carousel off so that the overhead stays 25 %,
// paced at mbps (0: unpaced), with extra flags for the sender.
func (b *bench) diode(ctx context.Context, payload, rate int, extra ...string) result {
	r := result{Pacing: pacing(rate)}
	out := filepath.Join(b.work, "diode.out")
	os.RemoveAll(out)
	if err := os.Mkdir(out, 0o755); err != nil {
		return r.failed(err)
	}
	ctx, cancel := context.WithTimeout(ctx, b.o.timeout)
	defer cancel()
	addr := fmt.Sprintf("127.0.0.1:%d", diodePort)
	recv, err := b.start(ctx, b.o.diode, "recv", "--listen", addr, "--key", "guard.key",
		"--verify-key", "sender.pub", "--out", out, "--once", "--session-timeout", "5s", "--json")
	if err != nil {
		return r.failed(err)
	}
	if err := b.waitBound(ctx, diodePort, true); err != nil {
		recv.wait()
		return r.failed(err)
	}
	bps := int64(-1)
	if rate > 0 {
		bps = int64(rate) * 1_000_000 / 8
	}
	// A batch of exactly 8 groups of 64 shards: the record header fits in
	// the 256 bytes left over.
	chunk := 8*64*payload - 256
	start := time.Now()
	args := []string{b.o.diode, "send", "--to", addr, "--key", "guard.pub", "--sign-key", "sender.key",
		"--shard-size", strconv.Itoa(payload), "--max-data", "64", "--parity", "16", "--no-carousel",
		"--rate", strconv.FormatInt(bps, 10), "--chunk", strconv.Itoa(chunk), "--json"}
	send, err := b.start(ctx, append(append(args, extra...), b.in)...)
	if err != nil {
		recv.wait()
		return r.failed(err)
	}
	serr, rerr := send.wait(), recv.wait()
	var st struct{ Datagrams, ParityDatagrams, Heartbeats, Announcements, CarouselResends uint64 }
	if json.Unmarshal(send.stdout.Bytes(), &st) == nil {
		if data := st.Datagrams - st.ParityDatagrams - st.Heartbeats - st.Announcements; data > 0 {
			r.FECOverhead = float64(st.ParityDatagrams) / float64(data)
		}
	}
	r = b.finish(r, start, filepath.Join(out, "data.bin"), firstErr(serr, rerr))
	var rx rxStats
	if json.Unmarshal(recv.stdout.Bytes(), &rx) == nil {
		rx.CarouselResends = st.CarouselResends
		r.Receiver = &rx
		r.atReceiver(rx)
	}
	return r
}

// rxStats is the part of `diode recv --json` the bench reads.
type rxStats struct {
	DatagramsLost    uint64    `json:"datagrams_lost"`    // holes in the datagram counter
	SocketDrops      uint64    `json:"socket_drops"`      // the kernel's drops on the receiving socket
	GroupsRepaired   uint64    `json:"groups_repaired"`   // groups rebuilt by Reed-Solomon
	Gaps             uint64    `json:"gaps"`              // batches reported missing
	TailMissing      uint64    `json:"tail_missing"`      // batches missing at the end
	GapsFilled       uint64    `json:"gaps_filled"`       // reported batches a resend completed
	CarouselResends  uint64    `json:"carousel_resends"`  // the sender's batches sent again
	FirstData        time.Time `json:"first_data"`        // first shard read
	LastData         time.Time `json:"last_data"`         // last shard of a first transmission read
	LastBatch        time.Time `json:"last_batch"`        // last batch rebuilt
	TransferSeconds  float64   `json:"transfer_s"`        // FirstData to the later of LastData, LastBatch
	SocketBuffer     int       `json:"socket_buffer"`     // SO_RCVBUF granted
	DuplicateShards  uint64    `json:"duplicate_shards"`  // shards already held
	HeartbeatsMissed uint64    `json:"heartbeats_missed"` // heartbeat alarms
}

// UnmarshalJSON reads the receiver's statistics, which use Go field names.
func (x *rxStats) UnmarshalJSON(b []byte) error {
	var st struct {
		DatagramsLost, SocketDrops, GroupsRepaired, Gaps, TailMissing, GapsFilled uint64
		DuplicateShards, HeartbeatsMissed                                         uint64
		FirstData, LastData, LastBatch                                            time.Time
		SocketBuffer                                                              int
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	*x = rxStats{DatagramsLost: st.DatagramsLost, SocketDrops: st.SocketDrops,
		GroupsRepaired: st.GroupsRepaired, Gaps: st.Gaps, TailMissing: st.TailMissing,
		GapsFilled: st.GapsFilled, FirstData: st.FirstData, LastData: st.LastData,
		LastBatch: st.LastBatch, SocketBuffer: st.SocketBuffer, DuplicateShards: st.DuplicateShards,
		HeartbeatsMissed: st.HeartbeatsMissed}
	end := st.LastData
	if st.LastBatch.After(end) {
		end = st.LastBatch
	}
	if !st.FirstData.IsZero() && end.After(st.FirstData) {
		x.TransferSeconds = end.Sub(st.FirstData).Seconds()
	}
	return nil
}

// atReceiver restates a verified run's goodput over the receiver's
// transfer time, the basis of iperf3's received rate, and keeps the whole
// run's figure beside it.
func (r *result) atReceiver(rx rxStats) {
	r.WallSeconds, r.WallGoodput = r.Seconds, r.Goodput
	if !r.OK || rx.TransferSeconds <= 0 {
		return
	}
	r.Seconds = rx.TransferSeconds
	r.Goodput = mbps(r.Delivered, r.Seconds)
	r.Basis = "receiver: first to last data datagram, file verified by SHA-256"
}

// finish fills in a file transfer's outcome.
func (b *bench) finish(r result, start time.Time, out string, err error) result {
	r.Seconds = time.Since(start).Seconds()
	r.Sent = uint64(b.size)
	n, ok := b.check(out)
	r.Delivered, r.OK = uint64(n), ok && err == nil
	r.Goodput = mbps(r.Delivered, r.Seconds)
	if !ok {
		r.Goodput = 0
	}
	if err != nil {
		r.Note = err.Error()
	}
	return r
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func mbps(bytes uint64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(bytes) * 8 / seconds / 1e6
}

func pacing(rate int) string {
	if rate == 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%d Mbit/s", rate)
}
