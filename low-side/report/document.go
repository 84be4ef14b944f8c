package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
)

// Document is a report laid out for the CSV and PDF renderings: a title,
// key facts, then tables.
type Document struct {
	Title  string
	Facts  []Fact
	Tables []Table
}

// Fact is one key and value.
type Fact struct {
	Key, Value string
}

// Table is a named table; every row has one cell per column.
type Table struct {
	Name    string // CSV record name, snake_case
	Title   string // PDF heading
	Columns []string
	Rows    [][]string
}

// coverageFacts returns the facts every report opens with.
func coverageFacts(c Coverage) []Fact {
	f := []Fact{{"date", c.Date}, {"ledger_first", u64(c.Ledger.First)}, {"ledger_last", u64(c.Ledger.Last)},
		{"batch_first", u64(c.Batches.First)}, {"batch_last", u64(c.Batches.Last)},
		{"ledger_gaps", rangesString(c.Gaps)}}
	if cp := c.Checkpoint; cp != nil {
		f = append(f, Fact{"checkpoint_origin", cp.Origin}, Fact{"checkpoint_size", u64(cp.Size)},
			Fact{"checkpoint_root", cp.Root})
	}
	return append(f, Fact{"checkpoint_note_sha256", c.NoteSHA256}, Fact{"chain_head", c.Chain})
}

// CSV renders the document as CSV (RFC 4180) with a record name first on
// every line: "fact,KEY,VALUE" for each fact; for each table a line
// "columns:NAME" followed by the column names, then one line per row
// starting with NAME. Lines therefore differ in length; a reader must
// allow that (encoding/csv: FieldsPerRecord = -1). Cells a spreadsheet
// would read as a formula are prefixed with an apostrophe.
func (d Document) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rows := [][]string{{"title", cell(d.Title)}}
	for _, f := range d.Facts {
		rows = append(rows, []string{"fact", cell(f.Key), cell(f.Value)})
	}
	for _, t := range d.Tables {
		rows = append(rows, append([]string{"columns:" + t.Name}, t.Columns...))
		for _, r := range t.Rows {
			line := []string{t.Name}
			for _, c := range r {
				line = append(line, cell(c))
			}
			rows = append(rows, line)
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("failed to write csv: %w", err)
	}
	return buf.Bytes(), nil
}
