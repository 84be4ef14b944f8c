// Package reporttest builds export directories with known contents for
// tests of the report engine and the portal.
//
// Batch files written here use a plain JSON test encoding read by Parse,
// so that the report engine can be tested without signing keys.
package reporttest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"bastion/low-side/report"
	"bastion/shared/entry"
)

// Origin is the checkpoint origin line of fixture checkpoints.
const Origin = "bastion.test/ledger"

// fixtureBatch is the test encoding of a batch.
type fixtureBatch struct {
	Seq        uint64            `json:"seq"`
	First      uint64            `json:"first"`
	Checkpoint string            `json:"checkpoint"`
	Items      []json.RawMessage `json:"items"` // an entry, or null when withheld
}

// Parse decodes a batch written by WriteExport.
func Parse(raw []byte) (*report.Batch, error) {
	var fb fixtureBatch
	if err := json.Unmarshal(raw, &fb); err != nil {
		return nil, fmt.Errorf("malformed fixture batch: %v", err)
	}
	b := &report.Batch{Seq: fb.Seq, First: fb.First, Checkpoint: []byte(fb.Checkpoint)}
	for _, it := range fb.Items {
		if string(it) == "null" {
			b.Items = append(b.Items, report.Item{})
			continue
		}
		b.Items = append(b.Items, report.Item{Entry: []byte(it)})
	}
	return b, nil
}

// Encode returns the test encoding of b.
func Encode(b *report.Batch) []byte {
	fb := fixtureBatch{Seq: b.Seq, First: b.First, Checkpoint: string(b.Checkpoint)}
	for _, it := range b.Items {
		if it.Entry == nil {
			fb.Items = append(fb.Items, json.RawMessage("null"))
			continue
		}
		fb.Items = append(fb.Items, json.RawMessage(it.Entry))
	}
	raw, err := json.Marshal(fb)
	if err != nil {
		panic(err)
	}
	return raw
}

// Refused marks b as withheld whole by the guard at stage for reason.
func Refused(b *report.Batch, stage, reason string) *report.Batch {
	b.Refused = &report.Refusal{Stage: stage, Reason: reason}
	return b
}

// EncodeWithheld returns the withheld-batch file for b, in the guard's
// form, with placeholder leaf hashes.
func EncodeWithheld(b *report.Batch) []byte {
	leaves := make([]string, len(b.Items))
	for i := range leaves {
		leaves[i] = fmt.Sprintf("%064x", b.First+uint64(i))
	}
	raw, err := json.Marshal(map[string]any{
		"v": 1, "link": "test", "seq": b.Seq, "first": b.First, "stage": b.Refused.Stage,
		"reason": b.Refused.Reason, "prev": []byte{}, "checkpoint": b.Checkpoint,
		"proof": []string{}, "leaves": leaves,
	})
	if err != nil {
		panic(err)
	}
	return raw
}

// WriteExport writes batches into dir as an export directory, with the
// last batch's checkpoint as the latest checkpoint.
func WriteExport(tb testing.TB, dir string, batches ...*report.Batch) report.ExportDir {
	tb.Helper()
	d := report.ExportDir{Root: dir, Parse: Parse}
	for _, sub := range []string{"batches", "keys"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	for _, b := range batches {
		path, raw := d.BatchPath(b.Seq), Encode(b)
		if b.Refused != nil {
			path, raw = d.WithheldPath(b.Seq), EncodeWithheld(b)
		}
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	if len(batches) > 0 {
		last := batches[len(batches)-1]
		if err := os.WriteFile(filepath.Join(dir, "checkpoint"), last.Checkpoint, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return d
}

// Checkpoint returns a checkpoint note for a ledger of size entries with
// a root derived from size, and a dummy signature line.
func Checkpoint(size uint64) []byte {
	root := sha256.Sum256(fmt.Appendf(nil, "root %d", size))
	sig := base64.StdEncoding.EncodeToString(root[:8])
	return fmt.Appendf(nil, "%s\n%d\n%s\n\n— bastion-test %s\n",
		Origin, size, base64.StdEncoding.EncodeToString(root[:]), sig)
}

// Root returns the base64 root of Checkpoint(size).
func Root(size uint64) string {
	root := sha256.Sum256(fmt.Appendf(nil, "root %d", size))
	return base64.StdEncoding.EncodeToString(root[:])
}

// NewBatch returns batch seq starting at ledger index first, holding
// entries (nil for a withheld one), with a checkpoint covering it.
func NewBatch(seq, first uint64, entries ...[]byte) *report.Batch {
	b := &report.Batch{Seq: seq, First: first}
	for _, e := range entries {
		b.Items = append(b.Items, report.Item{Entry: e})
	}
	b.Checkpoint = Checkpoint(first + uint64(len(entries)))
	return b
}

// At returns the time of day hh:mm on the UTC date yyyy-mm-dd.
func At(date string, hh, mm int) time.Time {
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// commitment is a fixed commitment for fixture bodies.
var commitment = entry.Commit("account", make([]byte, entry.SaltSize), "ACCT-TEST")

// Order returns an encoded order entry with the given decision (nil for
// none).
func Order(id string, at time.Time, d *entry.Decision) []byte {
	return encode(entry.TypeOrder, id, at, d, entry.Order{
		OrderID: id, Event: entry.OrderNew, Symbol: "AAPL", Side: entry.Buy, Quantity: 100,
		Price: decimal.RequireFromString("585.33"), Trader: "T1", Account: commitment, Source: "api",
	})
}

// Payment returns an encoded payment entry with the given decision.
func Payment(id string, at time.Time, d *entry.Decision) []byte {
	return encode(entry.TypePayment, id, at, d, entry.Payment{
		PaymentID: id, Kind: "wire", Amount: decimal.RequireFromString("250000.00"),
		Currency: "USD", From: commitment, To: commitment, Source: "api",
	})
}

// Login returns an encoded login entry without a decision.
func Login(id string, at time.Time) []byte {
	return encode(entry.TypeLogin, id, at, nil, entry.Login{
		Subject: "T1", Method: "webauthn", Result: "success", Station: "desk-1",
	})
}

// Config returns an encoded configuration entry without a decision.
func Config(id string, at time.Time) []byte {
	return encode(entry.TypeConfig, id, at, nil, entry.Config{
		Key: "rule-pack", Version: "7", Digest: fmt.Sprintf("%064x", 7),
	})
}

// Reject returns a reject decision with one failing check per reason.
func Reject(reasons ...string) *entry.Decision {
	return decision(entry.Reject, reasons)
}

// Review returns a review decision with one alerting check per reason.
func Review(reasons ...string) *entry.Decision {
	return decision(entry.Review, reasons)
}

// Accept returns an accept decision with no reasons.
func Accept() *entry.Decision { return &entry.Decision{Outcome: entry.Accept, RulePack: "rp-7"} }

func decision(o entry.Outcome, reasons []string) *entry.Decision {
	d := &entry.Decision{Outcome: o, Reasons: reasons, RulePack: "rp-7"}
	res := entry.Fail
	if o == entry.Review {
		res = entry.Alert
	}
	for i, r := range reasons {
		d.Checks = append(d.Checks, entry.Check{
			Rule: fmt.Sprintf("rule_%d", i), Result: res, Reason: r, Observed: "12", Limit: "10",
		})
	}
	return d
}

func encode(t entry.Type, id string, at time.Time, d *entry.Decision, body any) []byte {
	raw, err := entry.NewBody(body)
	if err != nil {
		panic(err)
	}
	e := &entry.Envelope{
		Version: entry.Version, Type: t, ID: id, Time: at.UnixNano(), Actor: "T1",
		Label: entry.NewLabel(entry.Internal, "trading"), Body: raw, Decision: d,
	}
	b, err := e.Encode()
	if err != nil {
		panic(err)
	}
	return b
}
