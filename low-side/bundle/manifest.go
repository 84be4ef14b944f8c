package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bastion/low-side/report"
	"bastion/shared/hybrid"
)

// Names of a bundle's fixed files.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
)

// Format is the manifest format this package writes and reads.
const Format = "bastion-report-bundle-v1"

// SignatureContext is the hybrid application context of a bundle
// signature.
const SignatureContext = "bastion-report-bundle-v1"

// MaxManifestSize bounds the manifest a verifier reads, in bytes.
const MaxManifestSize = 4 << 20

// Manifest lists a bundle's files and what the report covers.
type Manifest struct {
	Format     string         `json:"format"`
	Kind       string         `json:"kind"`
	Date       string         `json:"date"` // YYYY-MM-DD, UTC
	Ledger     report.Range   `json:"ledger"`
	Batches    report.Range   `json:"batches"`
	Gaps       []report.Range `json:"ledger_gaps"`
	Checkpoint *CheckpointRef `json:"checkpoint"`
	// ChainHead is the guard archive's hex chain hash after the batch
	// holding the day's last entry; empty when it cannot be recomputed.
	ChainHead string  `json:"chain_head"`
	Previous  *Link   `json:"previous"` // nil for the first bundle of its kind
	Key       KeyRef  `json:"key"`
	Files     []Entry `json:"files"`
}

// CheckpointRef cites the signed checkpoint covering the day's last entry.
type CheckpointRef struct {
	Origin     string `json:"origin"`
	Size       uint64 `json:"size"`
	Root       string `json:"root"`        // base64, as in the note
	NoteSHA256 string `json:"note_sha256"` // of the whole signed note
}

// Link names the previous bundle of the same kind.
type Link struct {
	Bundle         string `json:"bundle"` // folder name
	Date           string `json:"date"`
	ManifestSHA256 string `json:"manifest_sha256"`
	LedgerLast     uint64 `json:"ledger_last"`
	ChainHead      string `json:"chain_head"`
}

// KeyRef names the signing key.
type KeyRef struct {
	Name  string `json:"name"`
	Suite string `json:"suite"`
	ID    string `json:"id"` // hex hybrid.PublicKey.KeyID
}

// String names a key as "NAME (id 0123456789abcdef...)", with the suite
// when it is known.
func (k KeyRef) String() string {
	s := fmt.Sprintf("%q (id %.16s...)", k.Name, k.ID)
	if k.Suite != "" {
		s += " " + k.Suite
	}
	return s
}

// Entry is one file of a bundle.
type Entry struct {
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	Records   int    `json:"records"`
	MediaType string `json:"media_type"`
}

// Name returns the folder name of the bundle of kind for date.
func Name(kind report.Kind, date string) string { return string(kind) + "-" + date }

// NewManifest returns the manifest of out, linked to prev (nil for none)
// and naming the key that will sign it.
func NewManifest(out *report.Output, prev *Link, pub *hybrid.PublicKey, keyName string) *Manifest {
	c := out.Coverage
	id := pub.KeyID()
	m := &Manifest{Format: Format, Kind: string(out.Kind), Date: c.Date, Ledger: c.Ledger,
		Batches: c.Batches, Gaps: c.Gaps, ChainHead: c.Chain, Previous: prev,
		Key:   KeyRef{Name: keyName, Suite: string(pub.Suite()), ID: hex.EncodeToString(id[:])},
		Files: []Entry{}}
	if m.Gaps == nil {
		m.Gaps = []report.Range{}
	}
	if cp := c.Checkpoint; cp != nil {
		m.Checkpoint = &CheckpointRef{Origin: cp.Origin, Size: cp.Size, Root: cp.Root, NoteSHA256: c.NoteSHA256}
	}
	for _, f := range out.Files {
		sum := sha256.Sum256(f.Data)
		m.Files = append(m.Files, Entry{Name: f.Name, Size: int64(len(f.Data)),
			SHA256: hex.EncodeToString(sum[:]), Records: f.Records, MediaType: f.MediaType})
	}
	return m
}

// Marshal returns the manifest's canonical bytes: indented JSON ending in
// a newline.
func (m *Manifest) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("failed to encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseManifest decodes manifest bytes strictly: unknown fields, trailing
// data, another format, a bad date or an unsafe file name are errors.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("malformed manifest: %d bytes, at most %d", len(b), MaxManifestSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("malformed manifest: %v", err)
	}
	if dec.More() {
		return nil, errors.New("malformed manifest: trailing data")
	}
	if m.Format != Format {
		return nil, fmt.Errorf("malformed manifest: format %q, want %q", m.Format, Format)
	}
	if t, err := time.Parse("2006-01-02", m.Date); err != nil || t.Format("2006-01-02") != m.Date {
		return nil, fmt.Errorf("malformed manifest: date %q", m.Date)
	}
	if _, err := report.ParseKind(m.Kind); err != nil {
		return nil, fmt.Errorf("malformed manifest: %v", err)
	}
	return &m, m.checkNames()
}

// checkNames refuses file names that could leave the folder or repeat.
func (m *Manifest) checkNames() error {
	seen := map[string]bool{}
	for _, f := range m.Files {
		if !ValidFileName(f.Name) || f.Name == ManifestFile || f.Name == SignatureFile || seen[f.Name] {
			return fmt.Errorf("malformed manifest: file name %q not allowed", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// ValidFileName reports whether name may be a bundle file: 1 to 128
// characters of [A-Za-z0-9._-], not starting with a dot.
func ValidFileName(name string) bool {
	if len(name) == 0 || len(name) > 128 || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
