package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"bastion/guard/export"
	"bastion/shared/entry"
)

// ErrNoEntries is returned by CollectDay when no entry carries the date.
var ErrNoEntries = errors.New("no ledger entries on that date")

// Day is what the regulatory reports of one UTC date read: the daily
// counts and coverage, the day's releasable entries in ledger order, the
// order book as it stood when the day began, and the archive chain after
// the day's last batch.
type Day struct {
	Date     string
	Daily    *Daily
	Coverage Coverage
	Entries  []DayEntry // releasable entries dated Date, ledger order
	Book     *OrderBook // orders open when the day began
	// Positions are the net positions at the end of the day, from every
	// execution dated on or before it.
	Positions *Positions
	Accounts  []string // every account commitment seen on the day
	Missing   []Range  // batch sequences absent below the highest present
	Head      *export.ChainHead
}

// DayEntry is one releasable entry with its ledger index.
type DayEntry struct {
	Index uint64
	Env   *entry.Envelope
}

// Coverage is what a report covers and the evidence it cites: the ledger
// and batch ranges, the signed checkpoint that covers the day's last entry
// and the guard archive's chain hash after the batch that carried it.
type Coverage struct {
	Date       string      `json:"date"`
	Ledger     Range       `json:"ledger"`
	Batches    Range       `json:"batches"`
	Gaps       []Range     `json:"gaps"`
	Checkpoint *Checkpoint `json:"checkpoint"`
	// NoteSHA256 is the hex SHA-256 of the whole signed checkpoint note.
	NoteSHA256 string `json:"checkpoint_note_sha256"`
	// Chain is the hex archive chain hash after batch Batches.Last, or
	// empty when a batch before it is missing from the export directory
	// and the chain cannot be recomputed.
	Chain string `json:"chain_head"`
}

// CollectDay reads every batch of dir in sequence order and returns what
// the reports of date (YYYY-MM-DD, UTC) need. It returns ErrNoEntries when
// no releasable entry carries the date, and an error naming the batch for
// an unreadable or malformed one.
func CollectDay(dir ExportDir, date string) (*Day, error) {
	if t, err := time.Parse(dateLayout, date); err != nil || t.Format(dateLayout) != date {
		return nil, fmt.Errorf("bad date %q: want YYYY-MM-DD", date)
	}
	seqs, err := dir.BatchSeqs()
	if err != nil {
		return nil, err
	}
	c := newCollector(date)
	for _, seq := range seqs {
		raw, b, err := dir.ReadBatchRaw(seq)
		if err != nil {
			return nil, err
		}
		if err := c.add(raw, b); err != nil {
			return nil, err
		}
	}
	return c.finish(dir, seqs)
}

// collector is the state of one CollectDay pass.
type collector struct {
	day      *Day
	builder  *Builder
	chains   map[uint64]export.Chain
	notes    map[uint64][]byte
	chain    export.Chain
	accounts map[string]bool
}

func newCollector(date string) *collector {
	return &collector{
		day:     &Day{Date: date, Book: NewOrderBook(), Positions: NewPositions()},
		builder: NewBuilder(), chains: map[uint64]export.Chain{}, notes: map[uint64][]byte{},
		chain: export.GenesisChain(), accounts: map[string]bool{},
	}
}

// add counts one batch, keeps the day's entries and advances the chain.
func (c *collector) add(raw []byte, b *Batch) error {
	if err := c.builder.Add(b); err != nil {
		return err
	}
	c.chain = export.NextChain(c.chain, b.Seq, raw, b.Checkpoint)
	c.chains[b.Seq] = c.chain
	for i, it := range b.Items {
		if it.Entry == nil {
			continue
		}
		env, err := entry.Decode(it.Entry)
		if err != nil {
			return fmt.Errorf("batch %d, ledger index %d: %w", b.Seq, b.First+uint64(i), err)
		}
		c.take(DayEntry{Index: b.First + uint64(i), Env: env}, b)
	}
	return nil
}

// take files one entry: before the day it moves the order book, on the
// day it is kept.
func (c *collector) take(e DayEntry, b *Batch) {
	d := e.Env.Timestamp().Format(dateLayout)
	if d <= c.day.Date {
		c.day.Positions.Apply(e.Env)
	}
	switch {
	case d < c.day.Date:
		c.day.Book.Apply(e)
	case d == c.day.Date:
		c.day.Entries = append(c.day.Entries, e)
		c.notes[b.Seq] = b.Checkpoint
		for _, a := range accountsOf(e.Env) {
			c.accounts[a] = true
		}
	}
}

// finish fills the day's coverage from the builder and the chain.
func (c *collector) finish(dir ExportDir, seqs []uint64) (*Day, error) {
	d, ok := c.builder.Report(c.day.Date)
	if !ok || len(c.day.Entries) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoEntries, c.day.Date)
	}
	c.day.Daily, c.day.Missing = d, missing(seqs)
	cov := Coverage{Date: c.day.Date, Ledger: d.Ledger, Batches: d.Batches, Gaps: d.Gaps, Checkpoint: d.Checkpoint}
	if note, err := c.lastNote(dir, d.Batches.Last); err == nil {
		sum := sha256.Sum256(note)
		cov.NoteSHA256 = hex.EncodeToString(sum[:])
	}
	if len(c.day.Missing) == 0 || c.day.Missing[0].First > d.Batches.Last {
		ch := c.chains[d.Batches.Last]
		cov.Chain = hex.EncodeToString(ch[:])
	}
	c.day.Coverage = cov
	for a := range c.accounts {
		c.day.Accounts = append(c.day.Accounts, a)
	}
	slices.Sort(c.day.Accounts)
	if b, err := readLimited(filepath.Join(dir.Root, export.ChainHeadFile), 4<<10); err == nil {
		if h, err := export.ParseChainHead(b); err == nil {
			c.day.Head = &h
		}
	}
	return c.day, nil
}

// lastNote returns the checkpoint note of batch seq, read again when the
// batch held no entry of the day (only withheld ones counted on it).
func (c *collector) lastNote(dir ExportDir, seq uint64) ([]byte, error) {
	if n, ok := c.notes[seq]; ok {
		return n, nil
	}
	_, b, err := dir.ReadBatchRaw(seq)
	if err != nil {
		return nil, err
	}
	return b.Checkpoint, nil
}

// accountsOf returns the account commitments an entry's body carries.
func accountsOf(env *entry.Envelope) []string {
	switch env.Type {
	case entry.TypeOrder:
		var o entry.Order
		if decodeBody(env, &o) == nil {
			return []string{o.Account}
		}
	case entry.TypePayment:
		var p entry.Payment
		if decodeBody(env, &p) == nil {
			return []string{p.From, p.To}
		}
	}
	return nil
}
