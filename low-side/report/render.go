package report

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// Format is a rendering of a report.
type Format string

// Formats a report renders to.
const (
	JSON Format = "json"
	CSV  Format = "csv"
	HTML Format = "html"
)

// Formats lists every format, in the order files are written.
var Formats = []Format{JSON, CSV, HTML}

// ContentType returns the media type of the format.
func (f Format) ContentType() string {
	switch f {
	case JSON:
		return "application/json"
	case CSV:
		return "text/csv; charset=utf-8"
	case HTML:
		return "text/html; charset=utf-8"
	}
	return "application/octet-stream"
}

// Render writes the report in format f. The output depends only on d.
func (d *Daily) Render(w io.Writer, f Format) error {
	switch f {
	case JSON:
		return d.renderJSON(w)
	case CSV:
		return d.renderCSV(w)
	case HTML:
		return pageTemplate.ExecuteTemplate(w, "daily.html", d)
	}
	return fmt.Errorf("unknown report format %q", f)
}

// Bytes returns the report rendered in format f.
func (d *Daily) Bytes(f Format) ([]byte, error) {
	var buf bytes.Buffer
	if err := d.Render(&buf, f); err != nil {
		return nil, fmt.Errorf("failed to render %s report for %s: %w", f, d.Date, err)
	}
	return buf.Bytes(), nil
}

// renderJSON writes d as one line of compact JSON: the rendering is for
// programs, and indenting a busy day's report doubled its cost and size.
func (d *Daily) renderJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(d)
}

// csvHeader names the columns of the CSV rendering: one row per metric,
// count or rejection, told apart by the first column.
var csvHeader = []string{
	"record", "key", "value", "ledger_index", "time", "type", "id", "actor",
	"ref", "detail", "reasons", "checks", "rule_pack",
}

func (d *Daily) renderCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(rec, key, value string) []string {
		r := make([]string, len(csvHeader))
		r[0], r[1], r[2] = rec, cell(key), cell(value)
		return r
	}
	rows := [][]string{csvHeader}
	for _, m := range d.metrics() {
		rows = append(rows, row("meta", m[0], m[1]))
	}
	for _, g := range d.Gaps {
		rows = append(rows, row("gap", "ledger", rangeString(g)))
	}
	for _, sec := range []struct {
		name   string
		counts []Count
	}{{"type", d.ByType}, {"outcome", d.ByOutcome}, {"reason", d.TopReasons}} {
		for _, c := range sec.counts {
			rows = append(rows, row(sec.name, c.Key, strconv.Itoa(c.Count)))
		}
	}
	for _, r := range d.Refused {
		rows = append(rows, row("refused_batch", u64(r.Seq), strconv.Itoa(r.Entries)))
		last := rows[len(rows)-1]
		last[3], last[9], last[11] = rangeString(r.Ledger), cell(r.Reason), cell(r.Stage)
	}
	for _, r := range d.Rejections {
		rows = append(rows, []string{"rejection", "", "", u64(r.Index), r.Time, string(r.Type),
			cell(r.ID), cell(r.Actor), cell(r.Ref), cell(r.Detail), strings.Join(r.Reasons, ";"),
			cell(checksString(r)), cell(r.RulePack)})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("failed to write csv: %w", err)
	}
	return nil
}

// metrics returns the report's summary lines as key and value.
func (d *Daily) metrics() [][2]string {
	m := [][2]string{{"date", d.Date}}
	if c := d.Checkpoint; c != nil {
		m = append(m, [2]string{"checkpoint_origin", c.Origin},
			[2]string{"checkpoint_size", u64(c.Size)}, [2]string{"checkpoint_root", c.Root})
	}
	return append(m,
		[2]string{"ledger_first", u64(d.Ledger.First)}, [2]string{"ledger_last", u64(d.Ledger.Last)},
		[2]string{"batch_first", u64(d.Batches.First)}, [2]string{"batch_last", u64(d.Batches.Last)},
		[2]string{"entries", strconv.Itoa(d.Entries)},
		[2]string{"withheld_above_release_label", strconv.Itoa(d.Withheld)},
		[2]string{"rejections", strconv.Itoa(len(d.Rejections))})
}

// checksString renders checks as "rule=result[reason] observed/limit"
// joined by "; ".
func checksString(r Rejection) string {
	parts := make([]string, len(r.Checks))
	for i, c := range r.Checks {
		s := c.Rule + "=" + string(c.Result)
		if c.Reason != "" {
			s += "[" + c.Reason + "]"
		}
		if c.Observed != "" || c.Limit != "" {
			s += " " + c.Observed + "/" + c.Limit
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}

// cell neutralises a value a spreadsheet would read as a formula by
// prefixing an apostrophe (OWASP CSV injection guidance).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

func rangeString(r Range) string { return u64(r.First) + "-" + u64(r.Last) }

//go:embed templates/*.html
var templateFS embed.FS

var pageTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"checks": checksString,
	"join":   strings.Join,
	"span":   rangeString,
}).ParseFS(templateFS, "templates/*.html"))
