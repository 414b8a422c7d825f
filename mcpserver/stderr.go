package mcpserver

import (
	"bytes"
	"log/slog"
	"sync"
)

// maxLine is the longest stderr line logged as one record; a longer line is
// logged in pieces.
const maxLine = 64 << 10

// lineLogger is the standard error of a command: each line a log record.
type lineLogger struct {
	log    *slog.Logger
	target string

	mu  sync.Mutex
	buf []byte
}

// Write logs every complete line of p, and keeps the rest for later.
func (w *lineLogger) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		switch {
		case i >= 0 && i <= maxLine:
			w.emit(w.buf[:i])
			w.buf = append(w.buf[:0], w.buf[i+1:]...)
		case len(w.buf) > maxLine:
			w.emit(w.buf[:maxLine])
			w.buf = append(w.buf[:0], w.buf[maxLine:]...)
		default:
			return len(p), nil
		}
	}
}

// flush logs what is left of an unfinished last line.
func (w *lineLogger) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *lineLogger) emit(line []byte) {
	w.log.Info("mcpserver: stderr", "target", w.target, "line", string(bytes.TrimRight(line, "\r")))
}
