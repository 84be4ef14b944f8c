package appliance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"bastion/guard/export"
)

// Summary is what a finished run reports in STATE/summary.json.
type Summary struct {
	LedgerSize      uint64 `json:"ledger_size"`
	HighRoot        string `json:"high_root"`
	LowRoot         string `json:"low_root"`
	BatchesSent     uint64 `json:"batches_sent"`
	BatchesAccepted uint64 `json:"batches_accepted"`
	BatchesRejected uint64 `json:"batches_rejected"`
	BatchesWithheld uint64 `json:"batches_withheld"`
	Gaps            int    `json:"gaps"`
	GapsReported    int    `json:"gaps_reported"`
	// CeremonyEntries counts the key ceremony's transcript entries, which
	// open the ledger.
	CeremonyEntries int `json:"ceremony_entries"`
	// Submissions counts the replay's receipts. Each is an error (a
	// malformed submission, never recorded), a duplicate (an id recorded
	// earlier in the replay, answered with its stored decision) or a new
	// entry, so LedgerSize = CeremonyEntries + Submissions - Duplicates -
	// Decisions["error"] (see CheckCounts). Decisions counts every
	// submission once: a duplicate under its stored decision.
	Submissions      int            `json:"submissions"`
	Duplicates       int            `json:"duplicates"`
	Decisions        map[string]int `json:"decisions"`
	Sources          map[string]int `json:"sources"`
	Reports          []string       `json:"reports"`
	PortalURL        string         `json:"portal_url"`
	Link             LinkSummary    `json:"link"`
	WallSeconds      float64        `json:"wall_seconds"`
	EntriesPerSecond float64        `json:"entries_per_second"`
}

// LinkSummary counts the loopback link's datagrams.
type LinkSummary struct {
	Loss      float64 `json:"loss"`
	Received  uint64  `json:"datagrams_received"`
	Forwarded uint64  `json:"datagrams_forwarded"`
	Dropped   uint64  `json:"datagrams_dropped"`
}

// WaitExported waits until the leader has exported every entry and the
// guard has accepted (or withheld) everything exported, printing progress.
func (a *Appliance) WaitExported(ctx context.Context, timeout time.Duration) (Status, export.ChainHead, error) {
	deadline := time.Now().Add(timeout)
	var st Status
	var head export.ChainHead
	for {
		if err := a.Check(); err != nil {
			return st, head, err
		}
		_, s, err := a.Leader(ctx)
		if err == nil {
			st = s
			head, _ = a.ChainHead()
			if st.Export.Size == st.LedgerSize && head.Size == st.LedgerSize && head.Seq == st.Export.Seq {
				return st, head, nil
			}
		}
		if time.Now().After(deadline) {
			return st, head, fmt.Errorf("not everything crossed within %v: ledger %d, exported %d, accepted %d",
				timeout, st.LedgerSize, st.Export.Size, head.Size)
		}
		select {
		case <-ctx.Done():
			return st, head, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ChainHead reads the guard's published chain head.
func (a *Appliance) ChainHead() (export.ChainHead, error) {
	b, err := os.ReadFile(filepath.Join(a.Layout.ExportDir(), export.ChainHeadFile))
	if err != nil {
		return export.ChainHead{}, err
	}
	return export.ParseChainHead(b)
}

// GuardLogLine is the part of a guard log line the harness reads.
type GuardLogLine struct {
	BatchSeq uint64 `json:"batch_seq"`
	Stage    string `json:"stage"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// GuardLog reads the guard log.
func (a *Appliance) GuardLog() ([]GuardLogLine, error) {
	f, err := os.Open(a.Layout.GuardLog())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []GuardLogLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l GuardLogLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("malformed guard log line: %v", err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// Summarise collects the run's figures.
func (a *Appliance) Summarise(st Status, head export.ChainHead, t *Tally, in *Input) (*Summary, error) {
	s := &Summary{
		LedgerSize: st.LedgerSize, HighRoot: st.Root, LowRoot: head.Root.String(),
		BatchesSent: st.Export.Seq, BatchesAccepted: head.Records,
		Decisions: map[string]int{"accept": int(t.Accept.Load()), "review": int(t.Review.Load()),
			"reject": int(t.Reject.Load()), "error": int(t.Errors.Load())},
		Sources: in.Sources, PortalURL: a.Layout.PortalURL(),
		CeremonyEntries: a.ceremonyEntries,
		Submissions:     int(t.Submitted.Load()), Duplicates: int(t.Duplicates.Load()),
	}
	lines, err := a.GuardLog()
	if err != nil {
		return nil, err
	}
	rejected := map[uint64]bool{}
	for _, l := range lines {
		switch {
		case l.Decision == "reject" && l.BatchSeq > 0:
			rejected[l.BatchSeq] = true
		case l.Stage == "diode" && strings.HasPrefix(l.Reason, "gap "):
			s.GapsReported++
		}
	}
	s.BatchesRejected = uint64(len(rejected))
	seqs, err := export.ListBatches(a.Layout.ExportDir())
	if err != nil {
		return nil, err
	}
	have := map[uint64]bool{}
	for _, f := range seqs.Files {
		have[f.Seq] = true
		if f.Withheld {
			s.BatchesWithheld++
		}
	}
	for seq := uint64(1); seq <= st.Export.Seq; seq++ {
		if !have[seq] {
			s.Gaps++
		}
	}
	reports, _ := filepath.Glob(filepath.Join(a.Layout.ReportsDir(), "*"))
	sort.Strings(reports)
	s.Reports = reports
	ls := a.LinkStats()
	s.Link = LinkSummary{Loss: a.opts.Config.Link.Loss, Received: ls.Received, Forwarded: ls.Forwarded, Dropped: ls.Dropped}
	s.WallSeconds = time.Since(a.started).Seconds()
	if s.WallSeconds > 0 {
		s.EntriesPerSecond = float64(s.LedgerSize) / s.WallSeconds
	}
	if s.HighRoot != s.LowRoot {
		return s, errors.New("the guard's root differs from the high side's")
	}
	return s, s.CheckCounts()
}

// CheckCounts returns an error when the ledger does not hold exactly one
// entry per ceremony step and per distinct, well-formed submission:
// LedgerSize = CeremonyEntries + Submissions - Duplicates -
// Decisions["error"].
func (s *Summary) CheckCounts() error {
	errs := s.Decisions["error"]
	want := s.CeremonyEntries + s.Submissions - s.Duplicates - errs
	if want < 0 || uint64(want) != s.LedgerSize {
		return fmt.Errorf("the counts do not add up: ledger %d entries, but %d ceremony + %d submissions"+
			" - %d duplicates - %d errors = %d", s.LedgerSize, s.CeremonyEntries, s.Submissions,
			s.Duplicates, errs, want)
	}
	return nil
}

// WriteSummary writes STATE/summary.json.
func (a *Appliance) WriteSummary(s *Summary) error {
	return writeJSON(filepath.Join(a.Layout.State, "summary.json"), s)
}
