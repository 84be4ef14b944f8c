package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// checkInputs refuses to start without the export directory, or with a
// guard log path that is not a regular file. A guard log that does not
// exist yet is allowed with a warning: the guard creates it when it
// starts, and the guard log page shows it once it appears.
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
		return nil
	case err != nil:
		return fmt.Errorf("failed to open guard log: %w", err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("guard log %s is not a regular file", o.guardLog)
	}
	return nil
}
