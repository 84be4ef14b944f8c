package hsm

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// makeInstance prepares Dir/softhsm/<label>/ for a SoftHSM instance of
// its own: a copy of the library, a token directory and a softhsm2.conf.
// The dynamic loader treats the copy as a separate library, so its
// C_Initialize reads its own configuration and its state is its own.
func (r *ceremonyRun) makeInstance(label string) error {
	dir := filepath.Join(r.Dir, "softhsm", label)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := copyFile(r.Module, filepath.Join(dir, "libsofthsm2.so"), 0o500); err != nil {
		return fmt.Errorf("failed to copy the PKCS#11 library: %w", err)
	}
	return writeSoftHSMConf(dir)
}

// copyFile copies src to a new file dst with mode perm.
func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
