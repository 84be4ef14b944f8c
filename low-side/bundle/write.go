package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"bastion/low-side/report"
)

// ErrExists is returned by Write when the bundle folder already exists:
// a published bundle is never replaced.
var ErrExists = errors.New("bundle already exists")

// Write makes the bundle of out under root, linked to the latest earlier
// bundle of the same kind under root, and returns its folder. The files
// are written to a temporary folder, synced, then renamed into place, so
// a reader sees a whole bundle or none. It returns ErrExists, or an error
// naming the file that could not be written.
func Write(root string, out *report.Output, key *Key) (string, error) {
	prev, err := FindPrevious(root, out.Kind, out.Coverage.Date)
	if err != nil {
		return "", err
	}
	m := NewManifest(out, prev, key.Public(), key.Name())
	mb, err := m.Marshal()
	if err != nil {
		return "", err
	}
	sig, err := SignManifest(mb, key)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, Name(out.Kind, out.Coverage.Date))
	if _, err := os.Stat(dir); err == nil {
		return "", fmt.Errorf("%w: %s", ErrExists, dir)
	}
	files := append(slices.Clone(out.Files),
		report.OutputFile{Name: ManifestFile, Data: mb}, report.OutputFile{Name: SignatureFile, Data: sig})
	return dir, writeFolder(dir, files)
}

// writeFolder writes files into a temporary sibling of dir and renames it.
func writeFolder(dir string, files []report.OutputFile) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("failed to create bundles folder: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("failed to create bundle: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		if err := writeSynced(filepath.Join(tmp, f.Name), f.Data); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("failed to create bundle: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("failed to publish bundle: %w", err)
	}
	return syncDir(filepath.Dir(dir))
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", filepath.Base(path), err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("failed to sync bundles folder: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("failed to sync bundles folder: %w", err)
	}
	return nil
}

// FindPrevious returns the link to the latest bundle of kind under root
// dated before date, or nil when there is none. Folders whose names are
// not <kind>-<YYYY-MM-DD> are skipped.
func FindPrevious(root string, kind report.Kind, date string) (*Link, error) {
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to list bundles: %w", err)
	}
	best := ""
	for _, e := range ents {
		d, ok := bundleDate(e.Name(), kind)
		if ok && e.IsDir() && d < date && d > best {
			best = d
		}
	}
	if best == "" {
		return nil, nil
	}
	return LinkTo(filepath.Join(root, Name(kind, best)))
}

// LinkTo returns the link to the bundle in dir, read from its manifest.
func LinkTo(dir string) (*Link, error) {
	b, err := readLimited(filepath.Join(dir, ManifestFile), MaxManifestSize)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("previous bundle %s: %w", filepath.Base(dir), err)
	}
	sum := sha256.Sum256(b)
	return &Link{Bundle: filepath.Base(dir), Date: m.Date, ManifestSHA256: hex.EncodeToString(sum[:]),
		LedgerLast: m.Ledger.Last, ChainHead: m.ChainHead}, nil
}

// bundleDate returns the date of a bundle folder name of kind.
func bundleDate(name string, kind report.Kind) (string, bool) {
	d, ok := strings.CutPrefix(name, string(kind)+"-")
	if !ok {
		return "", false
	}
	t, err := time.Parse("2006-01-02", d)
	return d, err == nil && t.Format("2006-01-02") == d
}
