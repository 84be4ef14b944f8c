package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// createFile writes b to a new file at path with mode perm, named in
// errors by what (such as "--out" or "rule-pack key"). It refuses a path
// that exists, whatever it holds, so that no output ever replaces a key,
// a rule pack or any other file. A file it created but could not write
// completely is removed.
func createFile(what, path string, b []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s %s already exists; refusing to overwrite it", what, path)
	case err != nil:
		return fmt.Errorf("failed to create %s: %w", what, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("failed to write %s: %w", what, err)
	}
	return nil
}
