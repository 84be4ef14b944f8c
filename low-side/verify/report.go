package verify

import (
	"encoding/json"
	"fmt"
	"io"
)

// Exit codes of bastion-verify. They are stable; scripts depend on them.
const (
	ExitOK       = 0 // everything verified
	ExitMismatch = 1 // at least one problem found
	ExitUsage    = 2 // bad command line or unreadable key
	ExitIO       = 3 // the directory or a file could not be read
)

// ExitCode returns the exit code for the report: ExitIO when a file could
// not be read, ExitMismatch for any other problem, ExitOK otherwise.
func (r *Report) ExitCode() int {
	switch {
	case r.IOFailure:
		return ExitIO
	case !r.OK():
		return ExitMismatch
	}
	return ExitOK
}

// WriteText writes the readable report: a summary, then one line per
// problem, the first problem first. When a problem was found, the size
// and root are shown as what the last checkpoint read claims, not as the
// ledger's.
func (r *Report) WriteText(w io.Writer) error {
	verdict, ledger := "OK", fmt.Sprintf("size %d, root %s", r.Size, r.Root)
	if !r.OK() {
		verdict = "FAILED: " + plural(r.Count(), "problem")
		ledger = fmt.Sprintf("not verified (the last checkpoint read claims size %d, root %s)", r.Size, r.Root)
	}
	_, err := fmt.Fprintf(w, "archive   %s\nkey       %s\ncosigners %s\nbatches   %d (%d withheld)\n"+
		"entries   %d full entries parsed\nledger    %s\nchain     %s\n",
		r.Dir, r.Key, r.Cosigners, r.Batches, r.Withheld, r.Entries, ledger, r.Chain)
	for _, a := range r.Anchors {
		if err == nil {
			_, err = fmt.Fprintf(w, "anchor    %s\n", a)
		}
	}
	for _, n := range r.Notes {
		if err == nil {
			_, err = fmt.Fprintf(w, "note      %s\n", n)
		}
	}
	if err == nil {
		_, err = fmt.Fprintf(w, "verdict   %s\n", verdict)
	}
	for i, p := range r.Problems {
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%3d. %s\n", i+1, p)
	}
	if r.More > 0 && err == nil {
		_, err = fmt.Fprintf(w, "     ... and %d more\n", r.More)
	}
	return err
}

// plural returns "1 problem" or "n problems".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// indexes names the ledger indexes first to end-1 (end excluded), as
// "ledger index 7", "ledger indexes 7 to 9" or "no ledger index".
func indexes(first, end uint64) string {
	switch {
	case end <= first:
		return "no ledger index"
	case end == first+1:
		return fmt.Sprintf("ledger index %d", first)
	}
	return fmt.Sprintf("ledger indexes %d to %d", first, end-1)
}

// missingBatches says that batches first to last (both included) are
// missing: "batch 2 is missing", "batches 2 to 5 are missing".
func missingBatches(first, last uint64) string {
	if first == last {
		return fmt.Sprintf("batch %d is missing", first)
	}
	return fmt.Sprintf("batches %d to %d are missing", first, last)
}
