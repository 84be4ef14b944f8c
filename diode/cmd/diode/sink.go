package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"bastion/diode/record"
)

// sink writes received records: into files in a directory, or as one
// stream on stdout in sequence order.
type sink struct {
	dir   string
	files map[string]*partFile
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

func newSink(out string) (*sink, error) {
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
	return &sink{dir: out, files: make(map[string]*partFile)}, nil
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
	pf := s.files[r.Name]
	if pf == nil {
		f, err := os.OpenFile(filepath.Join(s.dir, "."+r.Name+".partial"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("failed to create file: %w", err)
		}
		pf = &partFile{f: f, size: -1}
		s.files[r.Name] = pf
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
	err := errors.Join(pf.f.Sync(), pf.f.Close())
	if err == nil {
		err = os.Rename(pf.f.Name(), filepath.Join(s.dir, r.Name))
	}
	if err != nil {
		return fmt.Errorf("failed to publish %s: %w", r.Name, err)
	}
	return nil
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

// finish reports files left incomplete and batches the stdout stream
// skipped; it returns an error if there were any.
func (s *sink) finish() error {
	for name, pf := range s.files {
		pf.f.Close()
		fmt.Fprintf(os.Stderr, "\rdiode: %s incomplete: %d bytes received, left in %s\n", name, pf.received, pf.f.Name())
	}
	switch {
	case len(s.files) > 0:
		return fmt.Errorf("%d file(s) incomplete", len(s.files))
	case s.skipped > 0:
		return fmt.Errorf("output skipped %d batch(es)", s.skipped)
	case len(s.held) > 0:
		return fmt.Errorf("output stopped at batch %d: %d later batch(es) held back", s.next, len(s.held))
	}
	return nil
}
