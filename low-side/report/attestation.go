package report

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// SelfCheck is the result of verifying the whole export directory offline
// (bastion-verify archive) when the attestation was made.
type SelfCheck struct {
	Key        string   `json:"key"` // name of the high side's key used
	OK         bool     `json:"ok"`
	Batches    uint64   `json:"batches"`
	Entries    uint64   `json:"entries"`
	LedgerSize uint64   `json:"ledger_size"`
	Root       string   `json:"root"`
	Chain      string   `json:"chain"`
	Problems   int      `json:"problems"`
	First      []string `json:"first_problems"` // at most ten
}

// PublishedHead is the guard's chain-head file as read.
type PublishedHead struct {
	Records uint64 `json:"records"`
	Seq     uint64 `json:"seq"`
	Chain   string `json:"chain"`
	Size    uint64 `json:"size"`
	Root    string `json:"root"`
}

// Attestation is the audit-integrity attestation of one day: what the
// day's reports cover, the counts, the archive chain and the result of
// verifying the whole export directory.
type Attestation struct {
	Coverage  Coverage       `json:"coverage"`
	Entries   int            `json:"entries"`
	Withheld  int            `json:"withheld"`
	ByType    []Count        `json:"by_type"`
	ByOutcome []Count        `json:"by_outcome"`
	Refused   []RefusedBatch `json:"refused_batches"`
	Missing   []Range        `json:"missing_batches"` // in the whole export directory
	Head      *PublishedHead `json:"published_head"`
	SelfCheck SelfCheck      `json:"self_check"`
	Statement string         `json:"statement"`
}

// BuildAttestation returns the attestation of day with the result of the
// self-verification sc.
func BuildAttestation(day *Day, sc SelfCheck) *Attestation {
	d := day.Daily
	a := &Attestation{Coverage: day.Coverage, Entries: d.Entries, Withheld: d.Withheld, ByType: d.ByType,
		ByOutcome: d.ByOutcome, Refused: d.Refused, Missing: day.Missing, SelfCheck: sc}
	if a.Missing == nil {
		a.Missing = []Range{}
	}
	if sc.First == nil {
		a.SelfCheck.First = []string{}
	}
	if h := day.Head; h != nil {
		a.Head = &PublishedHead{Records: h.Records, Seq: h.Seq, Chain: hex.EncodeToString(h.Chain[:]),
			Size: h.Size, Root: hex.EncodeToString(h.Root[:])}
	}
	a.Statement = a.statement()
	return a
}

// statement is the attestation's one-paragraph conclusion.
func (a *Attestation) statement() string {
	c := a.Coverage
	var b strings.Builder
	b.WriteString("Ledger indexes " + rangeString(c.Ledger) + " dated " + c.Date + " arrived in batches " +
		rangeString(c.Batches) + ".")
	if c.Checkpoint != nil {
		b.WriteString(" They are covered by the signed checkpoint of size " + u64(c.Checkpoint.Size) +
			", root " + c.Checkpoint.Root + ".")
	}
	if len(c.Gaps) > 0 || len(a.Missing) > 0 {
		b.WriteString(" The export directory has gaps (listed); the report covers what arrived.")
	}
	if a.SelfCheck.OK {
		b.WriteString(" Offline verification of every batch, checkpoint and leaf succeeded.")
	} else {
		b.WriteString(" Offline verification FAILED with " + strconv.Itoa(a.SelfCheck.Problems) + " problems (listed).")
	}
	return b.String()
}

// Document returns the attestation as facts and tables for CSV and PDF.
func (a *Attestation) Document() Document {
	d := Document{Title: "Audit-integrity attestation", Facts: coverageFacts(a.Coverage)}
	d.Facts = append(d.Facts, Fact{"entries", strconv.Itoa(a.Entries)},
		Fact{"withheld_above_release_label", strconv.Itoa(a.Withheld)},
		Fact{"missing_batches", rangesString(a.Missing)},
		Fact{"self_check_key", a.SelfCheck.Key}, Fact{"self_check_ok", strconv.FormatBool(a.SelfCheck.OK)},
		Fact{"self_check_batches", u64(a.SelfCheck.Batches)}, Fact{"self_check_entries", u64(a.SelfCheck.Entries)},
		Fact{"self_check_ledger_size", u64(a.SelfCheck.LedgerSize)}, Fact{"self_check_root", a.SelfCheck.Root},
		Fact{"self_check_chain", a.SelfCheck.Chain}, Fact{"self_check_problems", strconv.Itoa(a.SelfCheck.Problems)})
	if h := a.Head; h != nil {
		d.Facts = append(d.Facts, Fact{"published_head_records", u64(h.Records)}, Fact{"published_head_seq", u64(h.Seq)},
			Fact{"published_head_chain", h.Chain}, Fact{"published_head_size", u64(h.Size)})
	}
	d.Facts = append(d.Facts, Fact{"statement", a.Statement})
	problems := Table{Name: "problem", Title: "Verification problems (first ten)", Columns: []string{"problem"}}
	for _, p := range a.SelfCheck.First {
		problems.Rows = append(problems.Rows, []string{p})
	}
	refused := Table{Name: "refused_batch", Title: "Batches withheld whole by the guard",
		Columns: []string{"batch", "ledger", "stage", "reason", "entries"}}
	for _, r := range a.Refused {
		refused.Rows = append(refused.Rows, []string{u64(r.Seq), rangeString(r.Ledger), r.Stage, r.Reason,
			strconv.Itoa(r.Entries)})
	}
	d.Tables = []Table{countTable("type", "Entries by type", a.ByType),
		countTable("outcome", "Entries by outcome", a.ByOutcome), refused, problems}
	return d
}

func rangesString(rs []Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = rangeString(r)
	}
	return strings.Join(parts, " ")
}
