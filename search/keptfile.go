package search

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The files the search tool keeps across restarts (Options.VectorFile,
// Options.LearnFile) are read whole at start and written whole, never
// half.

// readFileKept reads path with read. found is false, with no error, when
// there is no file yet (a first start).
func readFileKept(path string, read func(io.Reader) error) (found bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	defer f.Close()
	return true, read(f)
}

// writeFileAtomic writes path with write, through a temporary file in the
// same folder renamed over it once whole and synced, and returns what
// write returned.
func writeFileAtomic[N any](path string, write func(io.Writer) (N, error)) (N, error) {
	var zero N
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return zero, err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing to remove
	n, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return zero, fmt.Errorf("search: writing %s: %w", path, err)
	}
	return n, nil
}
