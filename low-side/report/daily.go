package report

import "bastion/shared/entry"

// AllDates is the date key of the report over every date.
const AllDates = "all"

// NoDecision is the outcome key counted for entries that carry no decision.
const NoDecision = "none"

// Daily is the daily activity report for one UTC date, or for every date
// when Date is AllDates.
type Daily struct {
	Date string `json:"date"` // YYYY-MM-DD (UTC) or "all"

	// Checkpoint is the signed checkpoint that covers every entry of the
	// report: the one carried by the batch holding the report's last entry.
	Checkpoint *Checkpoint `json:"checkpoint"`
	Ledger     Range       `json:"ledger"`  // ledger indexes of the first and last entry
	Batches    Range       `json:"batches"` // sequences of the first and last batch read
	Gaps       []Range     `json:"gaps"`    // ledger indexes within Ledger missing from the export

	Entries    int     `json:"entries"`  // all entries, withheld ones included
	Withheld   int     `json:"withheld"` // hash-only: withheld above the release label
	ByType     []Count `json:"by_type"`
	ByOutcome  []Count `json:"by_outcome"`
	TopReasons []Count `json:"top_reasons"` // every reason code seen, most frequent first

	Rejections []Rejection `json:"rejections"` // rejected orders and payments, ledger order

	// Refused lists batches the guard's policy withheld whole; their
	// entries are counted in Withheld.
	Refused []RefusedBatch `json:"refused_batches"`
}

// MaxListed is how many rejections a page lists: the HTML renderings show
// the first MaxListed in ledger order and say how many more there are; the
// CSV and JSON renderings always hold every one. A busy day has hundreds
// of thousands, which no reader pages through and which made every
// rewrite of the page cost seconds.
const MaxListed = 1000

// Listed returns the rejections a page lists: the first MaxListed.
func (d *Daily) Listed() []Rejection { return d.Rejections[:min(len(d.Rejections), MaxListed)] }

// Unlisted returns how many rejections a page leaves out.
func (d *Daily) Unlisted() int { return len(d.Rejections) - len(d.Listed()) }

// RefusedBatch is a batch whose content the guard withheld.
type RefusedBatch struct {
	Seq     uint64 `json:"batch"`
	Ledger  Range  `json:"ledger"`
	Stage   string `json:"stage"`
	Reason  string `json:"reason"`
	Entries int    `json:"entries"`
}

// Range is an inclusive range of ledger indexes or batch sequences.
type Range struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// Count is how many entries carry one key.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Rejection is one rejected order or payment with the checks behind it.
type Rejection struct {
	Index    uint64        `json:"ledger_index"`
	Time     string        `json:"time"` // RFC 3339 UTC with nanoseconds
	Type     entry.Type    `json:"type"`
	ID       string        `json:"id"`
	Actor    string        `json:"actor"`
	Ref      string        `json:"ref"`    // the order or payment id
	Detail   string        `json:"detail"` // side, quantity, symbol and price, or kind and amount
	Reasons  []string      `json:"reasons"`
	Checks   []entry.Check `json:"checks"`
	RulePack string        `json:"rule_pack"`
}
