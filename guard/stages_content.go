package guard

import (
	"strings"

	"bastion/guard/scan"
	"bastion/guard/schema"
	"bastion/shared/entry"
)

// schemaStage (6) parses every full entry against the strict schema of its
// type (package entry: closed type list, unknown fields rejected, one
// canonical encoding) and requires the release label to dominate the
// entry's label (Bell-LaPadula: nothing above the release label crosses).
// No format that can carry code is decoded (REPLAY G2): entries are JSON
// into fixed structs only.
//
// Package schema proves the common case in one pass over the bytes; an
// entry it cannot prove is decided by entry.Parse, which also words every
// refusal. Entries are checked in parallel; the first refused by ledger
// index is reported.
type schemaStage struct {
	release entry.Label
}

func (s *schemaStage) name() string { return StageSchema }

func (s *schemaStage) check(c *candidate) verdict {
	items := c.b.Items
	if i := firstFailing(len(items), func(i int) bool { return s.allows(items[i].Entry) }); i >= 0 {
		return s.refusal(c.ledgerFirst+uint64(i), items[i].Entry)
	}
	return pass("%d entries within schema and release label %s", fullItems(c), s.release)
}

// allows reports whether a full entry (nil: a leaf hash) is valid and
// within the release label.
func (s *schemaStage) allows(raw []byte) bool {
	if raw == nil {
		return true
	}
	l, ok := schema.Label(raw)
	if !ok {
		e, err := entry.Parse(raw)
		if err != nil {
			return false
		}
		l = e.Label
	}
	return s.release.Dominates(l)
}

// refusal says why the entry at ledger index index is refused.
func (s *schemaStage) refusal(index uint64, raw []byte) verdict {
	e, err := entry.Parse(raw)
	if err != nil {
		return reject("entry at ledger index %d: %v", index, err)
	}
	return reject("entry at ledger index %d: label %s is above the release label %s",
		index, e.Label, s.release)
}

// scanStage (7) searches every full entry for personal data and dirty
// words (package scan): every key, string and number of its JSON, escapes
// decoded. Findings name the rule and the field, never the value. Entries
// are scanned in parallel; the first refused by ledger index is reported.
type scanStage struct {
	scanner *scan.Scanner
}

func (s *scanStage) name() string { return StageScan }

func (s *scanStage) check(c *candidate) verdict {
	items := c.b.Items
	clean := func(i int) bool {
		if items[i].Entry == nil {
			return true
		}
		found, err := s.scanner.Entry(items[i].Entry)
		return err == nil && len(found) == 0
	}
	if i := firstFailing(len(items), clean); i >= 0 {
		index := c.ledgerFirst + uint64(i)
		found, err := s.scanner.Entry(items[i].Entry)
		if err != nil {
			return reject("entry at ledger index %d: %v", index, err)
		}
		return reject("entry at ledger index %d: %s", index, findings(found))
	}
	return pass("no personal data or dirty words")
}

// fullItems counts the batch's full entries.
func fullItems(c *candidate) int {
	n := 0
	for _, it := range c.b.Items {
		if it.Entry != nil {
			n++
		}
	}
	return n
}

// findings lists at most five findings for a log line.
func findings(f []scan.Finding) string {
	var parts []string
	for i, x := range f {
		if i == 5 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, x.String())
	}
	return strings.Join(parts, ", ")
}
