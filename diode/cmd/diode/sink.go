package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"bastion/diode/record"
)

// sink writes received records: into files in a directory, or as one
// stream on stdout in sequence order.
type sink struct {
	dir       string
	overwrite bool // replace existing files of the same name
	files     map[string]*partFile
	refused   map[string]bool // names not written: a file of that name exists
	// stdout mode: batches wait here until every earlier one arrived or
	// was declared lost.
	next    uint64
	started bool
	held    map[uint64][]byte
	skipped uint64
}

// partFile is a file being assembled under a hidden temporary name.
type partFile struct {
	f        *os.File
	received uint64
	size     int64 // -1 until the final record arrives
}

const maxHeld = 256

// newSink writes into directory out, or to stdout if out is "-". Without
// overwrite, a file whose name exists in out is refused rather than
// replacing it.
func newSink(out string, overwrite bool) (*sink, error) {
	if out == "-" {
		return &sink{held: make(map[uint64][]byte)}, nil
	}
	fi, err := os.Stat(out)
	if err != nil {
		return nil, fmt.Errorf("bad --out: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--out %s is not a directory", out)
	}
	return &sink{dir: out, overwrite: overwrite, files: make(map[string]*partFile),
		refused: make(map[string]bool)}, nil
}

func (s *sink) batch(seq uint64, p []byte) error {
	r, err := record.Parse(p)
	if err != nil {
		return err
	}
	if s.dir == "" {
		return s.ordered(seq, r.Data)
	}
	return s.file(r)
}

// file writes one record into its file and publishes the file when whole.
func (s *sink) file(r *record.Record) error {
	if s.refused[r.Name] {
		return nil // reported with its first record
	}
	pf := s.files[r.Name]
	if pf == nil {
		var err error
		if pf, err = s.create(r.Name); err != nil {
			return err
		}
	}
	if _, err := pf.f.WriteAt(r.Data, int64(r.Offset)); err != nil {
		return fmt.Errorf("failed to write %s: %w", r.Name, err)
	}
	pf.received += uint64(len(r.Data))
	if r.Final {
		pf.size = int64(r.Offset) + int64(len(r.Data))
	}
	if pf.size < 0 || pf.received != uint64(pf.size) {
		return nil
	}
	delete(s.files, r.Name)
	if err := errors.Join(pf.f.Sync(), pf.f.Close()); err != nil {
		return fmt.Errorf("failed to publish %s: %w", r.Name, err)
	}
	return s.publish(pf.f.Name(), r.Name)
}

// create starts the file name under its temporary name, or refuses it if
// a file of that name exists and overwriting is off.
func (s *sink) create(name string) (*partFile, error) {
	if !s.overwrite {
		_, err := os.Lstat(filepath.Join(s.dir, name))
		if err == nil {
			return nil, s.refuse(name, "the incoming file is not written")
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("failed to check for an existing %s: %w", name, err)
		}
	}
	f, err := os.OpenFile(filepath.Join(s.dir, "."+name+".partial"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("failed to create file: %w", err)
	}
	pf := &partFile{f: f, size: -1}
	s.files[name] = pf
	return pf, nil
}

// publish gives the whole file tmp its name. Without overwrite, a hard
// link claims the name only while it is free, where a rename would replace
// a file made since the first record; on a file system without hard links
// a check before the rename has to do.
func (s *sink) publish(tmp, name string) error {
	dst := filepath.Join(s.dir, name)
	if s.overwrite {
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("failed to publish %s: %w", name, err)
		}
		return nil
	}
	err := os.Link(tmp, dst)
	switch {
	case err == nil:
		err = os.Remove(tmp)
	case errors.Is(err, fs.ErrExist) || exists(dst):
		return s.refuse(name, "the incoming file is left in "+tmp)
	default: // no hard links on this file system
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		return fmt.Errorf("failed to publish %s: %w", name, err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// refuse records that name was not written because a file of that name
// exists, and returns the error saying so; fate says what became of the
// incoming file.
func (s *sink) refuse(name, fate string) error {
	s.refused[name] = true
	return fmt.Errorf("%s exists and was not overwritten: %s (use --overwrite to replace it)",
		filepath.Join(s.dir, name), fate)
}

// ordered writes data to stdout in sequence order.
func (s *sink) ordered(seq uint64, data []byte) error {
	if !s.started {
		s.started, s.next = true, seq
	}
	if seq < s.next {
		return fmt.Errorf("arrived after it was skipped")
	}
	s.held[seq] = data
	if len(s.held) > maxHeld {
		s.skip(s.next, s.next) // give up waiting for the oldest hole
	}
	return s.flush()
}

// skip stops waiting for batches first..last.
func (s *sink) skip(first, last uint64) {
	if s.dir != "" || !s.started || last < s.next {
		return
	}
	if first <= s.next {
		fmt.Fprintf(os.Stderr, "\rdiode: output skips batches %d..%d\n", s.next, last)
		s.skipped += last - s.next + 1
		s.next = last + 1
	}
	s.flush()
}

func (s *sink) flush() error {
	for {
		d, ok := s.held[s.next]
		if !ok {
			return nil
		}
		delete(s.held, s.next)
		s.next++
		if _, err := os.Stdout.Write(d); err != nil {
			return fmt.Errorf("failed to write stdout: %w", err)
		}
	}
}

// finish reports files left incomplete or refused and batches the stdout
// stream skipped; it returns an error if there were any.
func (s *sink) finish() error {
	for name, pf := range s.files {
		pf.f.Close()
		fmt.Fprintf(os.Stderr, "\rdiode: %s incomplete: %d bytes received, left in %s\n", name, pf.received, pf.f.Name())
	}
	var parts []string
	if len(s.files) > 0 {
		parts = append(parts, fmt.Sprintf("%d file(s) incomplete", len(s.files)))
	}
	if len(s.refused) > 0 {
		var names []string
		for _, n := range slices.Sorted(maps.Keys(s.refused)) {
			names = append(names, filepath.Join(s.dir, n))
		}
		parts = append(parts, fmt.Sprintf("%d existing file(s) not overwritten: %s (use --overwrite to replace them)",
			len(names), strings.Join(names, ", ")))
	}
	if len(parts) > 0 {
		return errors.New(strings.Join(parts, "; "))
	}
	switch {
	case s.skipped > 0:
		return fmt.Errorf("output skipped %d batch(es)", s.skipped)
	case len(s.held) > 0:
		return fmt.Errorf("output stopped at batch %d: %d later batch(es) held back", s.next, len(s.held))
	}
	return nil
}
