package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind names one regulatory report.
type Kind string

// Regulatory report kinds.
const (
	KindCAT          Kind = "cat"          // FINRA CAT order events
	KindControls     Kind = "15c3-5"       // SEC Rule 15c3-5 controls
	KindSurveillance Kind = "surveillance" // alerts by reason, trader, instrument
	KindAttestation  Kind = "attestation"  // audit-integrity attestation
	KindSOX          Kind = "sox"          // SOX IT-general-controls evidence
	KindBasel        Kind = "basel"        // Basel III large exposures and leverage
)

// Kinds lists every kind, in the order bundles are made.
var Kinds = []Kind{KindCAT, KindControls, KindSurveillance, KindAttestation, KindSOX, KindBasel}

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown report kind %q (want cat, 15c3-5, surveillance, attestation, sox or basel)", s)
}

// OutputFile is one file of a regulatory report.
type OutputFile struct {
	Name      string
	Data      []byte
	Records   int // data records: events, rows of the main table
	MediaType string
}

// Output is a regulatory report as files, with what it covers.
type Output struct {
	Kind     Kind
	Coverage Coverage
	Files    []OutputFile
}

// Options carries what the reports need beyond the export directory.
type Options struct {
	CAT       CATConfig
	SelfCheck SelfCheck // for KindAttestation
	// GuardLog is the guard log's records, for KindSOX; records of other
	// dates are skipped.
	GuardLog []GuardEvent
	// Capital is the capital input of KindBasel (ErrNoCapital when nil).
	Capital *Capital
}

// CATInvalidError is returned by Build for a CAT file that fails
// pre-validation; no file is produced.
type CATInvalidError struct {
	Issues []CATIssue
}

func (e *CATInvalidError) Error() string {
	parts := make([]string, 0, 5)
	for _, i := range e.Issues[:min(5, len(e.Issues))] {
		parts = append(parts, i.String())
	}
	return fmt.Sprintf("CAT pre-validation failed with %d issues: %s", len(e.Issues), strings.Join(parts, "; "))
}

// ErrCATConfig is returned for unusable CAT identifiers or key.
var ErrCATConfig = errors.New("bad CAT configuration")

// Build returns the report of kind over day. Every output depends only on
// day and opt, so the same export directory gives the same bytes. It
// returns *CATInvalidError, ErrCATConfig, ErrNoBzip2, ErrNoCapital or a
// rendering error.
func Build(kind Kind, day *Day, opt Options) (*Output, error) {
	out := &Output{Kind: kind, Coverage: day.Coverage}
	var err error
	switch kind {
	case KindCAT:
		out.Files, err = catOutput(day, opt.CAT)
	case KindControls:
		c := BuildControls(day)
		out.Files, err = renderings(string(kind)+"-"+day.Date, c, c.Document(), c.Orders, day.Date)
	case KindSurveillance:
		s := BuildSurveillance(day)
		out.Files, err = renderings(string(kind)+"-"+day.Date, s, s.Document(), s.Alerts, day.Date)
	case KindAttestation:
		a := BuildAttestation(day, opt.SelfCheck)
		out.Files, err = renderings(string(kind)+"-"+day.Date, a, a.Document(), a.Entries, day.Date)
	case KindSOX:
		s := BuildSOX(day, opt.GuardLog)
		out.Files, err = renderings(string(kind)+"-"+day.Date, s, s.Document(), len(s.Events), day.Date)
	case KindBasel:
		if opt.Capital == nil {
			return nil, ErrNoCapital
		}
		b := BuildBasel(day, opt.Capital)
		out.Files, err = renderings(string(kind)+"-"+day.Date, b, b.Document(), len(b.Exposures), day.Date)
	default:
		err = fmt.Errorf("unknown report kind %q", kind)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CATSummary is the readable companion of a CAT file: what it holds, what
// was held back and the pre-validation verdict.
type CATSummary struct {
	Coverage Coverage   `json:"coverage"`
	DataFile string     `json:"data_file"`
	MetaFile string     `json:"meta_file"`
	Records  int        `json:"records"`
	ByType   []Count    `json:"by_type"`
	HeldBack []HeldBack `json:"held_back"`
	Issues   []CATIssue `json:"validation_issues"`
}

// catOutput builds, validates and renders the CAT files.
func catOutput(day *Day, cfg CATConfig) ([]OutputFile, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	events, held := BuildCAT(day, cfg)
	if issues := ValidateCAT(day.Date, events, day.Accounts); len(issues) > 0 {
		return nil, &CATInvalidError{Issues: issues}
	}
	files, err := WriteCATFiles(day.Date, events, cfg)
	if err != nil {
		return nil, err
	}
	types := map[string]int{}
	for _, e := range events {
		types[e.Type]++
	}
	s := &CATSummary{Coverage: day.Coverage, DataFile: files.DataName, MetaFile: files.MetaName,
		Records: len(events), ByType: byKey(types), HeldBack: held, Issues: []CATIssue{}}
	rs, err := renderings("cat-"+day.Date+"-summary", s, s.document(), len(events), day.Date)
	if err != nil {
		return nil, err
	}
	return append([]OutputFile{
		{Name: files.DataName, Data: files.Data, Records: files.Records, MediaType: "application/x-bzip2"},
		{Name: files.MetaName, Data: files.Meta, Records: 1, MediaType: "application/json"},
	}, rs...), nil
}

func (s *CATSummary) document() Document {
	d := Document{Title: "FINRA CAT order events", Facts: coverageFacts(s.Coverage)}
	d.Facts = append(d.Facts, Fact{"data_file", s.DataFile}, Fact{"meta_file", s.MetaFile},
		Fact{"records", strconv.Itoa(s.Records)}, Fact{"validation_issues", strconv.Itoa(len(s.Issues))})
	held := Table{Name: "held_back", Title: "Order events held back", Columns: []string{"ledger", "id", "reason"}}
	for _, h := range s.HeldBack {
		held.Rows = append(held.Rows, []string{u64(h.Index), h.ID, h.Reason})
	}
	d.Tables = []Table{countTable("type", "Events by CAT type", s.ByType), held}
	return d
}

// validate checks the identifiers that go into file names and records.
func (c CATConfig) validate() error {
	for name, v := range map[string]string{"submitter id": c.SubmitterID, "IMID": c.IMID,
		"destination": c.Destination, "destination type": c.DestinationType} {
		if v == "" || len(v) > 16 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			return fmt.Errorf("%w: %s %q must be 1 to 16 of A-Z and 0-9", ErrCATConfig, name, v)
		}
	}
	if len(c.FDIDKey) < FDIDKeySize {
		return fmt.Errorf("%w: firm-designated id key is %d bytes, want %d", ErrCATConfig, len(c.FDIDKey), FDIDKeySize)
	}
	return nil
}

// renderings returns the JSON, CSV and PDF files of a report.
func renderings(base string, v any, doc Document, records int, date string) ([]OutputFile, error) {
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to render %s json: %w", base, err)
	}
	csv, err := doc.CSV()
	if err != nil {
		return nil, err
	}
	at, _ := time.Parse(dateLayout, date)
	pdf, err := doc.PDF(at)
	if err != nil {
		return nil, err
	}
	return []OutputFile{
		{Name: base + ".json", Data: js.Bytes(), Records: records, MediaType: "application/json"},
		{Name: base + ".csv", Data: csv, Records: records, MediaType: "text/csv"},
		{Name: base + ".pdf", Data: pdf, Records: records, MediaType: "application/pdf"},
	}, nil
}
