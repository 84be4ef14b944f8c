package verify

import (
	"encoding/json"
	"fmt"
	"io"

	"bastion/low-side/bundle"
	"bastion/shared/hybrid"
)

// BundleReport is the outcome of checking one signed report bundle, and
// of its link to the previous bundle when one was given.
type BundleReport struct {
	*bundle.Result
	Key      string `json:"key"`      // name of the key used
	Previous string `json:"previous"` // folder checked as the previous bundle, or empty
}

// ParseBundleKey parses the report-signing key's published file (one
// line, hybrid.ParsePublicKeyText) and returns its name and key.
func ParseBundleKey(text []byte) (string, *hybrid.PublicKey, error) {
	return hybrid.ParsePublicKeyText(text)
}

// Bundle checks the bundle in dir with the report-signing key pub named
// name (bundle.Verify) and, when prevDir is not empty, its link to the
// bundle there (bundle.Result.CheckLink). The error is non-nil only when
// dir cannot be listed.
func Bundle(dir, name string, pub *hybrid.PublicKey, prevDir string) (*BundleReport, error) {
	r, err := bundle.Verify(dir, name, pub)
	if err != nil {
		return nil, err
	}
	if prevDir != "" {
		r.CheckLink(prevDir)
	}
	return &BundleReport{Result: r, Key: name, Previous: prevDir}, nil
}

// ExitCode returns ExitOK or ExitMismatch.
func (r *BundleReport) ExitCode() int {
	if r.OK() {
		return ExitOK
	}
	return ExitMismatch
}

// WriteText writes the readable result: a summary, then one line per
// problem, each naming its file.
func (r *BundleReport) WriteText(w io.Writer) error {
	verdict := "OK"
	if !r.OK() {
		verdict = "FAILED: " + plural(len(r.Problems), "problem")
	}
	kind, date, ledger, prev := "?", "?", "?", "none"
	if m := r.Manifest; m != nil {
		kind, date, ledger = m.Kind, m.Date, fmt.Sprintf("%d to %d", m.Ledger.First, m.Ledger.Last)
		if m.Previous != nil {
			prev = m.Previous.Bundle + " (manifest " + m.Previous.ManifestSHA256 + ")"
		}
	}
	_, err := fmt.Fprintf(w, "bundle    %s\nkey       %s\nreport    %s %s\nledger    %s\n"+
		"previous  %s\nsignature %v\nfiles     %d verified\nverdict   %s\n",
		r.Dir, r.Key, kind, date, ledger, prev, r.Signed, r.Files, verdict)
	for i, p := range r.Problems {
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%3d. %s\n", i+1, p)
	}
	return err
}

// WriteJSON writes the result as one JSON object.
func (r *BundleReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
