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
// problem, the first problem first.
func (r *Report) WriteText(w io.Writer) error {
	verdict := "OK"
	if !r.OK() {
		verdict = fmt.Sprintf("FAILED: %d problems", len(r.Problems)+r.More)
	}
	_, err := fmt.Fprintf(w, "archive   %s\nkey       %s\nbatches   %d (%d withheld)\n"+
		"entries   %d full entries parsed\nledger    size %d, root %s\nchain     %s\nverdict   %s\n",
		r.Dir, r.Key, r.Batches, r.Withheld, r.Entries, r.Size, r.Root, r.Chain, verdict)
	if err != nil {
		return err
	}
	for i, p := range r.Problems {
		if _, err := fmt.Fprintf(w, "%3d. %s\n", i+1, p); err != nil {
			return err
		}
	}
	if r.More > 0 {
		_, err = fmt.Fprintf(w, "     ... and %d more\n", r.More)
	}
	return err
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
