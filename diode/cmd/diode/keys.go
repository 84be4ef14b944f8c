package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"bastion/diode"
	"bastion/shared/cli"

	"github.com/spf13/cobra"
)

// edSigner signs with Ed25519ctx (RFC 8032 §5.1), the diode's context as
// the Ed25519 context string.
type edSigner struct{ key ed25519.PrivateKey }

func (s edSigner) Sign(msg, ctx []byte) ([]byte, error) {
	return s.key.Sign(nil, msg, &ed25519.Options{Context: string(ctx)})
}

type edVerifier struct{ key ed25519.PublicKey }

func (v edVerifier) Verify(msg, ctx, sig []byte) error {
	if err := ed25519.VerifyWithOptions(v.key, msg, sig, &ed25519.Options{Context: string(ctx)}); err != nil {
		return errors.New("invalid Ed25519 signature")
	}
	return nil
}

// readSigner reads a PKCS#8 PEM Ed25519 private key; the file must not be
// readable by group or others.
func readSigner(path string) (diode.Signer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing key file %s has mode %04o, want 0600", path, fi.Mode().Perm())
	}
	der, err := pemBlock(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is %T, want Ed25519", path, k)
	}
	return edSigner{ek}, nil
}

// readVerifier reads a PKIX PEM Ed25519 public key.
func readVerifier(path string) (diode.Verifier, error) {
	der, err := pemBlock(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("verify key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("verify key %s is %T, want Ed25519", path, k)
	}
	return edVerifier{ek}, nil
}

func pemBlock(path, typ string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != typ {
		return nil, fmt.Errorf("key file %s: want a PEM %q block", path, typ)
	}
	return b.Bytes, nil
}

func keygenCmd() *cobra.Command {
	var recipient, signing string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make a guard key pair (PREFIX.key, PREFIX.pub) and/or an Ed25519 signing pair",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, n := range []string{"recipient", "signing"} {
				if f := cmd.Flags().Lookup(n); f.Changed && f.Value.String() == "" {
					return cli.Usagef("bad --%s: empty value, want a file name prefix", n)
				}
			}
			switch {
			case recipient == "" && signing == "":
				return cli.Usage(errors.New("give --recipient PREFIX, --signing PREFIX or both"))
			case recipient == signing:
				return cli.Usagef("--recipient and --signing are both %q: give each its own prefix", recipient)
			}
			return keygen(recipient, signing)
		},
	}
	cmd.Flags().StringVar(&recipient, "recipient", "", "write the guard's HPKE key pair to PREFIX.key and PREFIX.pub")
	cmd.Flags().StringVar(&signing, "signing", "", "write an Ed25519 signing pair to PREFIX.key and PREFIX.pub")
	return cmd
}

// keyFile is one file keygen writes: write creates path exclusively.
type keyFile struct {
	path  string
	write func(path string) error
}

// keygen makes the pairs for the non-empty prefixes and writes them, or
// writes nothing when any of their files exists.
func keygen(recipient, signing string) error {
	var files []keyFile
	if recipient != "" {
		priv, pub, err := diode.GenerateRecipientKey()
		if err != nil {
			return err
		}
		defer clear(priv)
		files = append(files,
			keyFile{recipient + ".key", func(p string) error { return diode.WritePrivateKeyFile(p, priv) }},
			keyFile{recipient + ".pub", func(p string) error { return diode.WritePublicKeyFile(p, pub) }})
	}
	if signing != "" {
		privPEM, pubPEM, err := signingPair()
		if err != nil {
			return err
		}
		defer clear(privPEM)
		files = append(files,
			keyFile{signing + ".key", func(p string) error { return writeNew(p, privPEM, 0o600) }},
			keyFile{signing + ".pub", func(p string) error { return writeNew(p, pubPEM, 0o644) }})
	}
	return writeKeyFiles(files)
}

// writeKeyFiles refuses, naming the file, when any of files exists; else
// it writes them in order. When a write fails it removes the files this
// call created, so that a failed run leaves none behind.
func writeKeyFiles(files []keyFile) error {
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return fmt.Errorf("key file %s already exists: nothing written", f.path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("failed to check key file %s: %w", f.path, err)
		}
	}
	var created []string
	for _, f := range files {
		err := f.write(f.path)
		if err == nil {
			created = append(created, f.path)
			continue
		}
		// A write that got past the exclusive create made the file.
		if !errors.Is(err, fs.ErrExist) {
			created = append(created, f.path)
		}
		return errors.Join(err, removeFiles(created))
	}
	return nil
}

// removeFiles removes paths, ignoring those already gone.
func removeFiles(paths []string) error {
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("failed to remove %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// signingPair makes an Ed25519 pair and returns it PEM-encoded: the
// private key as PKCS#8, the public key as PKIX.
func signingPair() (privPEM, pubPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to generate signing key: %w", err)
	}
	defer clear(priv)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	defer clear(der)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), nil
}

// writeNew creates path exclusively with mode and writes data to it.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("failed to create key file: %w", err)
	}
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("failed to write key file %s: %w", path, err)
	}
	return nil
}
