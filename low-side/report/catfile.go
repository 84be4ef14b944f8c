package report

import (
	"bytes"
	"compress/bzip2"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// CATFiles is the CAT order events file of one day and its metadata file.
type CATFiles struct {
	DataName string // <submitter>_<IMID>_<YYYYMMDD>_OrderEvents_000001.json.bz2
	Data     []byte // JSON Lines, bzip2-compressed
	MetaName string // the same name ending in .meta.json
	Meta     []byte
	Records  int
}

// CATMeta is the metadata file that accompanies a CAT data file.
type CATMeta struct {
	Type               string `json:"type"` // "MetaFile"
	FileName           string `json:"fileName"`
	Submitter          string `json:"submitter"`
	CATReporterIMID    string `json:"CATReporterIMID"`
	FileGenerationDate string `json:"fileGenerationDate"` // the trade date, YYYYMMDD
	RecordCount        int    `json:"recordCount"`
	CompressedHash     string `json:"compressedHash"` // hex SHA-256 of the .json.bz2 file
	DoneForDay         bool   `json:"doneForDay"`
}

// ErrNoBzip2 is returned by Bzip2 when the bzip2 program is not installed.
var ErrNoBzip2 = errors.New("bzip2 program not found (Debian package bzip2)")

// Bzip2 compresses data with the system's bzip2 program at level 9. Go's
// standard library reads bzip2 but cannot write it, and no maintained Go
// writer is available to the project, so the program does the writing; the
// output is read back with compress/bzip2 and compared before it is
// returned. bzip2 output holds no time stamp or file name, so the same
// input gives the same bytes. It returns ErrNoBzip2 when bzip2 is missing.
func Bzip2(data []byte) ([]byte, error) {
	path, err := exec.LookPath("bzip2")
	if err != nil {
		return nil, ErrNoBzip2
	}
	cmd := exec.Command(path, "-9", "-c", "-q")
	cmd.Stdin = bytes.NewReader(data)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bzip2 failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	back, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(out.Bytes())))
	if err != nil || !bytes.Equal(back, data) {
		return nil, fmt.Errorf("bzip2 output does not decompress to its input: %v", err)
	}
	return out.Bytes(), nil
}

// EncodeCATLines returns the events as JSON Lines: one compact object per
// line, in order, each ended by a newline.
func EncodeCATLines(events []CATEvent) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range events {
		if err := enc.Encode(&events[i]); err != nil {
			return nil, fmt.Errorf("failed to encode CAT event %d: %w", i+1, err)
		}
	}
	return buf.Bytes(), nil
}

// WriteCATFiles returns the day's order events file, compressed, and its
// metadata file. date is YYYY-MM-DD.
func WriteCATFiles(date string, events []CATEvent, cfg CATConfig) (*CATFiles, error) {
	lines, err := EncodeCATLines(events)
	if err != nil {
		return nil, err
	}
	data, err := Bzip2(lines)
	if err != nil {
		return nil, err
	}
	day := strings.ReplaceAll(date, "-", "")
	base := cfg.SubmitterID + "_" + cfg.IMID + "_" + day + "_OrderEvents_000001"
	sum := sha256.Sum256(data)
	meta := CATMeta{Type: "MetaFile", FileName: base + ".json.bz2", Submitter: cfg.SubmitterID,
		CATReporterIMID: cfg.IMID, FileGenerationDate: day, RecordCount: len(events),
		CompressedHash: hex.EncodeToString(sum[:]), DoneForDay: true}
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("failed to encode CAT metadata: %w", err)
	}
	return &CATFiles{DataName: meta.FileName, Data: data, MetaName: base + ".meta.json",
		Meta: append(mb, '\n'), Records: len(events)}, nil
}
