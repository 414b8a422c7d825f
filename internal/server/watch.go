package server

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"time"
)

// fileState is what the watcher knows of one file.
type fileState struct {
	exists bool
	mod    time.Time
	size   int64
	sum    [32]byte
}

// state returns the state of path; prev, when it has the same
// modification time and size, saves reading the file again.
func state(path string, prev fileState) fileState {
	fi, err := os.Stat(path)
	if err != nil {
		return fileState{}
	}
	st := fileState{exists: true, mod: fi.ModTime(), size: fi.Size()}
	if prev.exists && prev.mod.Equal(st.mod) && prev.size == st.size {
		st.sum = prev.sum
		return st
	}
	f, err := os.Open(path)
	if err != nil {
		return fileState{}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fileState{}
	}
	copy(st.sum[:], h.Sum(nil))
	return st
}

// snapshot returns the states of files, reusing prev's digests.
func snapshot(files []string, prev map[string]fileState) map[string]fileState {
	out := make(map[string]fileState, len(files))
	for _, f := range files {
		out[f] = state(f, prev[f])
	}
	return out
}

// changed reports whether a file appeared, went away or has new content
// (a new modification time alone, as after touch, is no change).
func changed(a, b map[string]fileState) bool {
	if len(a) != len(b) {
		return true
	}
	for f, x := range a {
		y, ok := b[f]
		if !ok || x.exists != y.exists || x.sum != y.sum {
			return true
		}
	}
	return false
}

// watch polls the configuration's files (the file itself and the specs,
// models and tool schemas it references) and reloads when their content
// changes and then stays the same for Options.Settle.
func (s *Server) watch(ctx context.Context) {
	defer s.bg.Done()
	files := func() []string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.file.Files()
	}
	last := snapshot(files(), nil)
	tick := time.NewTicker(s.opts.Poll)
	defer tick.Stop()
	sleep := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-s.stop:
			return false
		case <-t.C:
			return true
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-tick.C:
		}
		cur := snapshot(files(), last)
		if !changed(cur, last) {
			last = cur
			continue
		}
		for { // until the files stay the same for Settle
			if !sleep(s.opts.Settle) {
				return
			}
			again := snapshot(files(), cur)
			if !changed(again, cur) {
				break
			}
			cur = again
		}
		s.log.Info("configuration changed: reloading", "config", s.opts.Config)
		_ = s.Reload(ctx) // a rejected file is logged; the next change retries
		// The reloaded configuration may reference other files.
		last = snapshot(files(), cur)
	}
}
