package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// FileName returns the name under which the report for date is written in
// format f, e.g. "daily-2012-06-21.csv".
func FileName(date string, f Format) string {
	return "daily-" + date + "." + string(f)
}

// WriteFiles writes every report of the snapshot in every format into dir
// and returns the paths, sorted by date (AllDates last) then format. A file
// whose content is unchanged is left alone; others are replaced atomically
// (write to a temporary file, then rename).
func (s *Snapshot) WriteFiles(dir string) ([]string, error) {
	return s.WriteDates(dir, append(append([]string(nil), s.Dates...), AllDates))
}

// WriteDates is WriteFiles for the reports of dates only (YYYY-MM-DD or
// AllDates); a date without a report is skipped.
func (s *Snapshot) WriteDates(dir string, dates []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create reports directory: %w", err)
	}
	var paths []string
	for _, date := range dates {
		d, ok := s.Reports[date]
		if !ok {
			continue
		}
		for _, f := range Formats {
			b, err := d.Bytes(f)
			if err != nil {
				return paths, err
			}
			p := filepath.Join(dir, FileName(date, f))
			if err := writeIfChanged(p, b); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// writeIfChanged replaces path with b unless it already holds b.
func writeIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("failed to write report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("failed to replace %s: %w", filepath.Base(path), err)
	}
	return nil
}
