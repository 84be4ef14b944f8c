package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one run, in the shape of bench-results/diode.json.
type result struct {
	Tool        string   `json:"tool"`
	Payload     int      `json:"payload_bytes"`
	Loss        float64  `json:"loss"`         // fraction of data datagrams dropped at random
	FECOverhead float64  `json:"fec_overhead"` // parity datagrams per data datagram
	Goodput     float64  `json:"goodput_mbps"` // delivered payload bits per second / 10^6, see Basis
	Basis       string   `json:"goodput_basis,omitempty"`
	WallGoodput float64  `json:"wall_goodput_mbps,omitempty"` // over the whole run, start-up to output written
	Sent        uint64   `json:"sent_bytes"`
	Delivered   uint64   `json:"delivered_bytes"`
	OK          bool     `json:"ok"` // every byte arrived intact (SHA-256)
	Pacing      string   `json:"pacing,omitempty"`
	Seconds     float64  `json:"elapsed_s"`          // what Goodput is measured over
	WallSeconds float64  `json:"wall_s,omitempty"`   // the whole run, process start to exit
	Receiver    *rxStats `json:"receiver,omitempty"` // the diode receiver's own account
	Note        string   `json:"note,omitempty"`
	skipped     bool     // the tool cannot run this combination
}

func (r result) failed(err error) result {
	r.Note = err.Error()
	return r
}

func (r result) line() string {
	s := fmt.Sprintf("%-8s %5d B  loss %2.0f%%  %-14s %8.0f Mbit/s  %6.2f s  ok=%v", r.Tool, r.Payload,
		r.Loss*100, r.Pacing, r.Goodput, r.Seconds, r.OK)
	if r.WallSeconds > 0 {
		s += fmt.Sprintf("  wall %.0f Mbit/s %.2f s", r.WallGoodput, r.WallSeconds)
	}
	if x := r.Receiver; x != nil {
		s += fmt.Sprintf("  lost %d kernel drops %d repaired %d gaps %d resends %d",
			x.DatagramsLost, x.SocketDrops, x.GroupsRepaired, x.Gaps+x.TailMissing, x.CarouselResends)
	}
	return s + " " + r.Note
}

// printTable prints the best run of each combination and the targets.
func printTable(w io.Writer, best []result, o options) {
	fmt.Fprintf(w, "\n%d MB per run, best of each tool's pacing ladder; loopback in a private namespace, nftables numgen loss\n\n", o.sizeMB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\tpayload B\tloss\tFEC\tgoodput Mbit/s\twall Mbit/s\tsent B\tdelivered B\tok\tpacing\t")
	for _, r := range best {
		wall := "-"
		if r.WallGoodput > 0 {
			wall = fmt.Sprintf("%.0f", r.WallGoodput)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f%%\t%.0f%%\t%.0f\t%s\t%d\t%d\t%v\t%s\t\n", r.Tool, r.Payload, r.Loss*100,
			r.FECOverhead*100, r.Goodput, wall, r.Sent, r.Delivered, r.OK, r.Pacing)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, r := range best {
		if !strings.HasPrefix(r.Tool, "diode") {
			continue
		}
		for _, peer := range best {
			if peer.Payload == r.Payload && peer.Loss == r.Loss && !strings.HasPrefix(peer.Tool, "diode") && peer.Goodput > 0 {
				fmt.Fprintf(w, "%s / %s at %d B, %.0f%% loss: %.2f\n", r.Tool, peer.Tool, r.Payload, r.Loss*100, r.Goodput/peer.Goodput)
			}
		}
	}
}

// writeJSON writes {"runs": best, "attempts": every run} to path.
func writeJSON(path string, best, attempts []result, o options) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	doc := struct {
		Time     time.Time `json:"time"`
		SizeMB   int       `json:"size_mb"`
		Runs     []result  `json:"runs"`
		Attempts []result  `json:"attempts"`
	}{time.Now().UTC(), o.sizeMB, best, attempts}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
