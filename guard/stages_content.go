package guard

import (
	"strings"

	"bastion/guard/scan"
	"bastion/shared/entry"
)

// schemaStage (6) parses every full entry against the strict schema of its
// type (package entry: closed type list, unknown fields rejected, one
// canonical encoding) and requires the release label to dominate the
// entry's label (Bell-LaPadula: nothing above the release label crosses).
// No format that can carry code is decoded (REPLAY G2): entries are JSON
// into fixed structs only.
type schemaStage struct {
	release entry.Label
}

func (s *schemaStage) name() string { return StageSchema }

func (s *schemaStage) check(c *candidate) verdict {
	full := 0
	for i, it := range c.b.Items {
		if it.Entry == nil {
			continue
		}
		full++
		index := c.ledgerFirst + uint64(i)
		e, err := entry.Parse(it.Entry)
		if err != nil {
			return reject("entry at ledger index %d: %v", index, err)
		}
		if !s.release.Dominates(e.Label) {
			return reject("entry at ledger index %d: label %s is above the release label %s",
				index, e.Label, s.release)
		}
	}
	return pass("%d entries within schema and release label %s", full, s.release)
}

// scanStage (7) searches every full entry for personal data and dirty
// words (package scan). Findings name the rule and the field, never the
// value.
type scanStage struct {
	scanner *scan.Scanner
}

func (s *scanStage) name() string { return StageScan }

func (s *scanStage) check(c *candidate) verdict {
	for i, it := range c.b.Items {
		if it.Entry == nil {
			continue
		}
		found, err := s.scanner.Entry(it.Entry)
		if err != nil {
			return reject("entry at ledger index %d: %v", c.ledgerFirst+uint64(i), err)
		}
		if len(found) > 0 {
			return reject("entry at ledger index %d: %s", c.ledgerFirst+uint64(i), findings(found))
		}
	}
	return pass("no personal data or dirty words")
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
