package login

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// maxUsersFile bounds the users file read, in bytes.
const maxUsersFile = 4 << 20

// Store is the users file on disk with an in-memory copy that follows
// changes made by other processes (bastion-portal user add). It is safe
// for concurrent use; writers take an advisory lock on FILE.lock.
type Store struct {
	path string

	mu    sync.Mutex
	users *UsersFile
	stamp fileStamp
}

// fileStamp tells whether the file changed since it was read.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

// OpenStore reads the users file at path. A missing file is an error;
// so is a file readable or writable by group or others.
func OpenStore(path string) (*Store, error) {
	s := &Store{path: path}
	if err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the users file's path.
func (s *Store) Path() string { return s.path }

// User returns a copy of the user called name, reading the file again
// if it changed. It reports false for an unknown name.
func (s *Store) User(name string) (User, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadIfChanged(); err != nil {
		return User{}, false, err
	}
	u := s.users.Find(name)
	if u == nil {
		return User{}, false, nil
	}
	return cloneUser(u), true, nil
}

// Update applies change to the user called name and writes the file.
// Nothing is written when change returns an error.
func (s *Store) Update(name string, change func(*User) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return withFileLock(s.path, func() error {
		if err := s.reload(); err != nil {
			return err
		}
		next, err := ParseUsers(s.path, mustEncode(s.users))
		if err != nil {
			return err
		}
		u := next.Find(name)
		if u == nil {
			return fmt.Errorf("no user %q", name)
		}
		if err := change(u); err != nil {
			return err
		}
		if err := WriteUsers(s.path, next); err != nil {
			return err
		}
		return s.reload()
	})
}

func (s *Store) reloadIfChanged() error {
	st, err := stampOf(s.path)
	if err != nil {
		return err
	}
	if st == s.stamp {
		return nil
	}
	return s.reload()
}

func (s *Store) reload() error {
	f, st, err := ReadUsers(s.path)
	if err != nil {
		return err
	}
	s.users, s.stamp = f, st
	return nil
}

// ReadUsers reads and parses the users file, refusing one that group or
// others may read or write.
func ReadUsers(path string) (*UsersFile, fileStamp, error) {
	st, err := stampOf(path)
	if err != nil {
		return nil, st, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, st, fmt.Errorf("failed to read users file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, st, fmt.Errorf("users file %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, st, fmt.Errorf("users file %s has mode %04o: it holds secrets, want 0600", path, fi.Mode().Perm())
	}
	if fi.Size() > maxUsersFile {
		return nil, st, fmt.Errorf("users file %s is larger than %d bytes", path, maxUsersFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, st, fmt.Errorf("failed to read users file: %w", err)
	}
	f, err := ParseUsers(path, data)
	return f, st, err
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, fmt.Errorf("failed to read users file: %w", err)
	}
	st := fileStamp{mod: fi.ModTime(), size: fi.Size()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
	}
	return st, nil
}

// WriteUsers writes f to path atomically (temporary file, fsync,
// rename), mode 0600.
func WriteUsers(path string, f *UsersFile) error {
	data, err := f.Encode()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("failed to write users file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(data)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write users file: %w", err)
	}
	return nil
}

// withFileLock runs fn holding an exclusive flock(2) on path+".lock". A
// lock file this call created is removed again when fn fails, so that a
// refused change leaves nothing behind; a locker that finds its lock file
// removed while it waited opens the new one.
func withFileLock(path string, fn func() error) error {
	lockPath := path + ".lock"
	for {
		lf, created, err := openLockFile(lockPath)
		if err != nil {
			return fmt.Errorf("failed to lock users file: %w", err)
		}
		if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
			lf.Close()
			return fmt.Errorf("failed to lock users file: %w", err)
		}
		if !stillLinked(lf, lockPath) {
			lf.Close() // closing releases the lock
			continue
		}
		err = fn()
		if err != nil && created {
			os.Remove(lockPath)
		}
		lf.Close()
		return err
	}
}

// openLockFile opens the lock file at path, creating it mode 0600 if
// missing, and reports whether it created it.
func openLockFile(path string) (*os.File, bool, error) {
	for {
		lf, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
		if err == nil {
			return lf, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, false, err
		}
		lf, err = os.OpenFile(path, os.O_RDWR, 0)
		if !errors.Is(err, fs.ErrNotExist) {
			return lf, false, err
		}
	}
}

// stillLinked reports whether the open file f is the file at path.
func stillLinked(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	return err == nil && os.SameFile(held, now)
}

// EditUsers locks the users file at path, reads it (a missing file reads
// as empty), applies change and writes it back, mode 0600.
func EditUsers(path string, change func(*UsersFile) error) error {
	return withFileLock(path, func() error {
		f, _, err := ReadUsers(path)
		if errors.Is(err, fs.ErrNotExist) {
			f, err = &UsersFile{}, nil
		}
		if err != nil {
			return err
		}
		if err := change(f); err != nil {
			return err
		}
		if err := f.check(); err != nil {
			return err
		}
		return WriteUsers(path, f)
	})
}

func mustEncode(f *UsersFile) []byte {
	b, err := f.Encode()
	if err != nil {
		panic(fmt.Sprintf("users file that parsed does not encode: %v", err))
	}
	return b
}

func cloneUser(u *User) User {
	c := *u
	c.Credentials = append([]Credential(nil), u.Credentials...)
	if u.Enrolment != nil {
		e := *u.Enrolment
		c.Enrolment = &e
	}
	return c
}
