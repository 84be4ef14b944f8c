package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// syncWorkers bounds the fsyncs in flight at once. A few concurrent
// fsyncs let the file system commit them in one journal transaction;
// more only contend for the same folders.
const syncWorkers = 4

// stageChunk bounds the temporary files open at once while staging.
const stageChunk = 64

// stageAll writes every file under its temporary name, one after the
// other, then fsyncs each once, syncWorkers at a time; on error no
// temporary file is left.
func stageAll(files []pendingFile) error {
	for start := 0; start < len(files); start += stageChunk {
		chunk := files[start:min(start+stageChunk, len(files))]
		if err := stageChunkOf(chunk); err != nil {
			removeTmps(files)
			return err
		}
	}
	return nil
}

// stageChunkOf writes, fsyncs and closes the temporary files of chunk.
func stageChunkOf(chunk []pendingFile) error {
	fds := make([]*os.File, len(chunk))
	var err error
	for i, p := range chunk {
		if fds[i], err = create(p); err != nil {
			break
		}
	}
	if err == nil {
		err = syncEach(len(fds), func(i int) error {
			if err := fds[i].Sync(); err != nil {
				return fmt.Errorf("failed to write %s: %w", filepath.Base(chunk[i].path), err)
			}
			return nil
		})
	}
	for _, f := range fds {
		if f != nil {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("failed to write %s: %w", filepath.Base(f.Name()), cerr)
			}
		}
	}
	return err
}

// create writes p's temporary file, mode 0444, and returns it open and
// not yet synced. A temporary file a crash left behind is replaced.
func create(p pendingFile) (*os.File, error) {
	tmp := p.tmp()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if errors.Is(err, fs.ErrExist) {
		os.Remove(tmp)
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", filepath.Base(p.path), err)
	}
	_, err = f.Write(p.data)
	if err == nil {
		err = f.Chmod(0o444) // whatever the umask
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to write %s: %w", filepath.Base(p.path), err)
	}
	return f, nil
}

// syncEach runs fn(0) to fn(n-1) on up to syncWorkers goroutines and
// returns their errors joined.
func syncEach(n int, fn func(int) error) error {
	if n == 1 {
		return fn(0)
	}
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, syncWorkers) {
		wg.Go(func() {
			for i := range next {
				errs[i] = fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}
