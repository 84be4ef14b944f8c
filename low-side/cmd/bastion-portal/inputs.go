package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// checkInputs refuses to start without the export directory, with a
// guard log path that is not a regular file, or with a reports directory
// the reports cannot be written to (checkReportsDir). A guard log that
// does not exist yet is allowed with a warning: the guard creates it when
// it starts, and the guard log page shows it once it appears.
func checkInputs(o options, log *slog.Logger) error {
	fi, err := os.Stat(o.export)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("export directory %s does not exist", o.export)
	case err != nil:
		return fmt.Errorf("failed to open export directory: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("export directory %s is not a directory", o.export)
	}

	fi, err = os.Stat(o.guardLog)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Warn("guard log does not exist yet; it is shown once the guard creates it",
			slog.String("guard_log", o.guardLog))
	case err != nil:
		return fmt.Errorf("failed to open guard log: %w", err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("guard log %s is not a regular file", o.guardLog)
	}
	return checkReportsDir(o.reportsDir)
}

// checkReportsDir requires dir to be a directory the reports can be
// written to: it is created (mode 0755, as the reports are) when missing,
// then a file is created in it and removed again. The error names
// --reports-dir and the path.
func checkReportsDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("bad --reports-dir %s: cannot be created: %w", dir, err)
		}
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named already
		}
		return fmt.Errorf("bad --reports-dir %s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("bad --reports-dir %s: not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("bad --reports-dir %s: not writable: %w", dir, err)
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return fmt.Errorf("bad --reports-dir %s: %w", dir, err)
	}
	return nil
}
