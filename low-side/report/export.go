package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"bastion/shared/merkle"
)

// MaxBatchFileSize is the largest batch file, in bytes, that ExportDir
// reads.
const MaxBatchFileSize = 64 << 20

// seqDigits is the width of the zero-padded sequence in a batch file name.
const seqDigits = 20

// Item is one ledger leaf carried by a batch: the entry bytes, or nil when
// the entry is above the release label and only its leaf hash crossed.
type Item struct {
	Entry []byte
	// Hash is the RFC 6962 leaf hash when the batch file carries it (the
	// zero hash otherwise); see Item.LeafHash.
	Hash merkle.Hash
}

// Batch is the part of a signed export batch that reports read.
type Batch struct {
	Seq        uint64 // link sequence number, from 1
	First      uint64 // ledger index of Items[0]
	Checkpoint []byte // the signed checkpoint note the batch carries
	Items      []Item
	Refused    *Refusal // set for a batch the guard's policy withheld whole
}

// Refusal is why the guard withheld a genuine batch's content: the stage
// that refused it and its reason, which never holds a value.
type Refusal struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

// Last returns the ledger index of the batch's last item, and false for an
// empty batch.
func (b *Batch) Last() (uint64, bool) {
	if len(b.Items) == 0 {
		return 0, false
	}
	return b.First + uint64(len(b.Items)) - 1, true
}

// BatchParser decodes the raw bytes of one batch file.
type BatchParser func(raw []byte) (*Batch, error)

// ExportDir is the guard's export directory. Parse decodes batch files;
// withheld-batch files are decoded by ParseWithheld.
type ExportDir struct {
	Root  string
	Parse BatchParser
}

// BatchPath returns the path of the batch file with sequence seq.
func (d ExportDir) BatchPath(seq uint64) string {
	return filepath.Join(d.Root, "batches", fmt.Sprintf("%0*d.batch", seqDigits, seq))
}

// WithheldPath returns the path of the withheld-batch file with sequence
// seq: a genuine batch whose content the guard's policy refused, published
// as its checkpoint and leaf hashes only.
func (d ExportDir) WithheldPath(seq uint64) string {
	return filepath.Join(d.Root, "batches", fmt.Sprintf("%0*d.withheld", seqDigits, seq))
}

// BatchSeqs returns the sequences of the batch and withheld-batch files
// present, ascending and without repeats. Other names (for example a file
// the guard is still writing under a temporary name) are skipped.
func (d ExportDir) BatchSeqs() ([]uint64, error) {
	ents, err := os.ReadDir(filepath.Join(d.Root, "batches"))
	if err != nil {
		return nil, fmt.Errorf("failed to list batches: %w", err)
	}
	var seqs []uint64
	for _, e := range ents {
		if seq, ok := batchSeq(e.Name()); ok && e.Type().IsRegular() {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	return slices.Compact(seqs), nil
}

// batchSeq parses a batch or withheld-batch file name.
func batchSeq(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, ".batch")
	if !ok {
		digits, ok = strings.CutSuffix(name, ".withheld")
	}
	if !ok || len(digits) != seqDigits {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// ReadBatch reads and parses the batch file with sequence seq, or the
// withheld-batch file when there is no batch file. It returns
// an error naming the file if it cannot be read, is over MaxBatchFileSize,
// does not parse, or carries another sequence than its name.
func (d ExportDir) ReadBatch(seq uint64) (*Batch, error) {
	_, b, err := d.ReadBatchRaw(seq)
	return b, err
}

// ReadBatchRaw is ReadBatch that also returns the file's raw bytes, which
// the archive hash chain covers (see bastion/guard/export.NextChain).
func (d ExportDir) ReadBatchRaw(seq uint64) ([]byte, *Batch, error) {
	path := d.BatchPath(seq)
	parse := d.Parse
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		path, parse = d.WithheldPath(seq), ParseWithheld
	}
	raw, err := readLimited(path, MaxBatchFileSize)
	if err != nil {
		return nil, nil, err
	}
	if parse == nil {
		return nil, nil, errors.New("no batch parser configured")
	}
	b, err := parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("batch %s: %w", filepath.Base(path), err)
	}
	if b.Seq != seq {
		return nil, nil, fmt.Errorf("batch %s: carries sequence %d", filepath.Base(path), b.Seq)
	}
	return raw, b, nil
}

// Checkpoint reads the raw latest checkpoint note.
func (d ExportDir) Checkpoint() ([]byte, error) {
	return readLimited(filepath.Join(d.Root, "checkpoint"), MaxCheckpointSize)
}

// ChainHead reads the guard archive's chain head, without surrounding
// white space.
func (d ExportDir) ChainHead() (string, error) {
	b, err := readLimited(filepath.Join(d.Root, "chain-head"), 4<<10)
	return strings.TrimSpace(string(b)), err
}

// readLimited reads a whole file that must not exceed limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", filepath.Base(path), err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", filepath.Base(path), limit)
	}
	return b, nil
}
