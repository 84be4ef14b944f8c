package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"bastion/shared/hybrid"
)

// MaxFileSize bounds a bundle file the verifier hashes, in bytes.
const MaxFileSize = 1 << 30

// Problem is one thing wrong with a bundle, naming the file concerned.
type Problem struct {
	File   string `json:"file"`
	Detail string `json:"detail"`
}

// String renders a problem as "FILE: DETAIL".
func (p Problem) String() string { return p.File + ": " + p.Detail }

// Result is the outcome of checking one bundle.
type Result struct {
	Dir      string    `json:"dir"`
	Manifest *Manifest `json:"manifest"` // nil when it does not parse
	Signed   bool      `json:"signature_ok"`
	Files    int       `json:"files_ok"`
	Problems []Problem `json:"problems"`
}

// OK reports whether nothing was found wrong.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

func (r *Result) add(file, format string, a ...any) {
	r.Problems = append(r.Problems, Problem{File: file, Detail: fmt.Sprintf(format, a...)})
}

// Verify checks the bundle in dir with the report-signing public key pub
// published under name: the manifest signature, which must name that key
// by name and id, then the key the manifest names, then every listed
// file's size and SHA-256, then that no other file is present, then what
// the report kind promises (see checkCAT). Problems name the file
// concerned; a changed manifest is told apart from a changed signature by
// the manifest hash the signature file records. The error is non-nil only
// when dir cannot be listed.
func Verify(dir, name string, pub *hybrid.PublicKey) (*Result, error) {
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to list bundle: %w", err)
	}
	r := &Result{Dir: dir, Problems: []Problem{}}
	mb, err := readLimited(filepath.Join(dir, ManifestFile), MaxManifestSize)
	if err != nil {
		r.add(ManifestFile, "%v", err)
		return r, nil
	}
	want := KeyRef{Name: name, Suite: string(pub.Suite()), ID: keyID(pub)}
	r.checkSignature(dir, mb, want, pub)
	m, err := ParseManifest(mb)
	if err != nil {
		r.add(ManifestFile, "%v", err)
		return r, nil
	}
	r.Manifest = m
	if m.Key != want {
		r.add(ManifestFile, "names the signing key %s, the key given is %s", m.Key, want)
	}
	r.checkFiles(dir, m)
	r.checkExtra(names, m)
	if r.OK() {
		r.checkKind(dir, m)
	}
	return r, nil
}

// checkSignature verifies manifest.sig over the manifest bytes. The
// signature file's key name and id must be those of the key given, want:
// every byte of the file counts, and a signature by another key of the
// same composite key under another name is not the signature asked for.
func (r *Result) checkSignature(dir string, mb []byte, want KeyRef, pub *hybrid.PublicKey) {
	sb, err := readLimited(filepath.Join(dir, SignatureFile), maxSignatureFile)
	if err != nil {
		r.add(SignatureFile, "%v", err)
		return
	}
	s, err := ParseSignature(sb)
	if err != nil {
		r.add(SignatureFile, "%v", err)
		return
	}
	if s.KeyName != want.Name || s.KeyID != want.ID {
		got := KeyRef{Name: s.KeyName, ID: s.KeyID}
		r.add(SignatureFile, "names the signing key %s, the key given is %s", got, want)
		return
	}
	sum := sha256.Sum256(mb)
	hashOK := s.ManifestSHA256 == hex.EncodeToString(sum[:])
	switch sigErr := pub.Verify(mb, []byte(SignatureContext), s.Sig); {
	case sigErr == nil && hashOK:
		r.Signed = true
	case sigErr == nil:
		r.add(SignatureFile, "the manifest hash it records was altered")
	case hashOK:
		r.add(SignatureFile, "signature does not verify: %v", sigErr)
	default:
		r.add(ManifestFile, "altered after signing: SHA-256 %x, the signature covers %s", sum, s.ManifestSHA256)
	}
}

// keyID returns the hex id of pub.
func keyID(pub *hybrid.PublicKey) string {
	id := pub.KeyID()
	return hex.EncodeToString(id[:])
}

// checkFiles compares every listed file with the manifest.
func (r *Result) checkFiles(dir string, m *Manifest) {
	for _, f := range m.Files {
		size, sum, err := hashFile(filepath.Join(dir, f.Name))
		switch {
		case err != nil:
			r.add(f.Name, "%v", err)
		case size != f.Size:
			r.add(f.Name, "%d bytes, the manifest says %d", size, f.Size)
		case sum != f.SHA256:
			r.add(f.Name, "SHA-256 %s differs from the manifest's %s", sum, f.SHA256)
		default:
			r.Files++
		}
	}
}

// checkExtra reports files the manifest does not list.
func (r *Result) checkExtra(ents []os.DirEntry, m *Manifest) {
	for _, e := range ents {
		n := e.Name()
		if n == ManifestFile || n == SignatureFile {
			continue
		}
		if !slices.ContainsFunc(m.Files, func(f Entry) bool { return f.Name == n }) {
			r.add(n, "not listed in the manifest")
		}
	}
}

// hashFile returns a regular file's size and hex SHA-256.
func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("missing or unreadable: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, "", fmt.Errorf("not a regular file")
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return 0, "", fmt.Errorf("failed to read: %w", err)
	}
	if n > MaxFileSize {
		return 0, "", fmt.Errorf("over %d bytes", int64(MaxFileSize))
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// readLimited reads a whole file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("missing or unreadable: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("over %d bytes", limit)
	}
	return b, nil
}
