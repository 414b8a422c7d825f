package search

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// readVectors reads Options.VectorFile, if set, into the hybrid's cache.
// A missing file is a first start; any other failure is logged, and the
// catalogue embedded as if there were no file.
func (s *Service) readVectors(ctx context.Context) {
	path := s.opts.VectorFile
	if path == "" {
		return
	}
	n := 0
	found, err := readFileKept(path, func(r io.Reader) (err error) {
		n, err = s.hybrid.ReadVectors(ctx, r, s.opts.VectorModel)
		return err
	})
	switch {
	case !found:
		s.log.InfoContext(ctx, "search: no vectors file yet; the catalogue is embedded", "file", path)
		return
	case err == nil:
		s.log.InfoContext(ctx, "search: vectors read", "file", path, "vectors", n)
		return
	case ctx.Err() != nil:
		return
	}
	level := slog.LevelWarn
	if errors.Is(err, ErrOtherModel) {
		level = slog.LevelInfo // the model changed: expected, and written over
	}
	s.log.Log(ctx, level, "search: vectors file not used; the catalogue is embedded", "file", path, "err", err)
}

// writeVectors writes the hybrid's vectors to Options.VectorFile, if set
// and they changed since they were last read or written: to a temporary
// file in the same folder, renamed over the file once whole.
func (s *Service) writeVectors(ctx context.Context) {
	path := s.opts.VectorFile
	if path == "" || s.hybrid.changed.Load() == s.hybrid.written.Load() {
		return
	}
	n, err := s.writeVectorFile(ctx, path)
	if err != nil {
		if ctx.Err() == nil {
			s.st.wrote(&s.st.writeErr, err)
			s.log.WarnContext(ctx, "search: writing the vectors file failed", "file", path, "err", err)
		}
		return
	}
	s.st.wrote(&s.st.writeErr, nil)
	s.log.DebugContext(ctx, "search: vectors written", "file", path, "vectors", n)
}

func (s *Service) writeVectorFile(ctx context.Context, path string) (int, error) {
	return writeFileAtomic(path, func(w io.Writer) (int, error) { return s.hybrid.WriteVectors(ctx, w, s.opts.VectorModel) })
}
