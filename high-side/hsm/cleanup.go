package hsm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ceremonyEntries are the names a ceremony or a recovery may create at
// the top of its directory.
var ceremonyEntries = []string{
	"pins", "keys", "shares", "tokens", "softhsm", "softhsm2.conf", "hsm.toml", "ceremony.json",
}

// createdDir records what a run created for its directory, so that a
// failed run removes that and nothing else.
type createdDir struct {
	// top is the topmost directory the run created: Dir itself or a
	// missing parent of it. Empty when Dir existed (empty) before.
	top string
	// dir is Dir, whose ceremonyEntries the run created when top is empty.
	dir string
}

// newCreatedDir notes which part of the path dir is missing, before the
// run creates it.
func newCreatedDir(dir string) (*createdDir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &createdDir{dir: dir}
	for p := abs; ; {
		_, err := os.Lstat(p)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		c.top = p
		parent := filepath.Dir(p)
		if parent == p {
			return c, nil
		}
		p = parent
	}
}

// remove deletes what the run created: the directory tree from top when
// the run made it, else the ceremony's entries inside the directory,
// which was empty before.
func (c *createdDir) remove() error {
	if c.top != "" {
		if err := os.RemoveAll(c.top); err != nil {
			return fmt.Errorf("failed to remove %s: %w", c.top, err)
		}
		return nil
	}
	var errs []error
	for _, name := range ceremonyEntries {
		p := filepath.Join(c.dir, name)
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, fmt.Errorf("failed to remove %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
