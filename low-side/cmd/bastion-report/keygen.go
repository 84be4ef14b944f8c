package main

import (
	"fmt"
	"io"
	"os"

	"bastion/low-side/bundle"
	"bastion/shared/cli"
)

// keygen writes a fresh key pair; it never replaces an existing file.
func keygen(stdout io.Writer, keyFile, pubFile, name string) error {
	k, err := bundle.GenerateKey(name)
	if err != nil {
		return cli.Usage(err)
	}
	if _, err := os.Stat(pubFile); err == nil {
		return fmt.Errorf("failed to create %s: file exists", pubFile)
	}
	if err := bundle.WriteKeyFile(keyFile, k); err != nil {
		return err
	}
	f, err := os.OpenFile(pubFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("failed to create published key: %w", err)
	}
	if _, err := f.Write(k.PublicText()); err != nil {
		f.Close()
		return fmt.Errorf("failed to write published key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write published key: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n%s\n", keyFile, pubFile)
	return err
}
