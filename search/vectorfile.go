package search

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The vectors file, as WriteVectors writes it (integers little-endian):
//
//	"toolgate vectors 1\n"
//	uint32 n, then n bytes: the model's name
//	uint32 dim, uint32 count
//	count times: 32 bytes (SHA-256 of the tool's embedded text), dim float32
//
// A tool's vector is found again by the hash of its text, so a tool whose
// text changed since is embedded anew, and vectors of tools that are gone
// are dropped at the next refresh.
const vectorMagic = "toolgate vectors 1\n"

// Bounds of what ReadVectors accepts.
const (
	maxModelName = 4096
	maxDim       = 1 << 16
)

// WriteVectors writes the vectors of the catalogue's tools to w under the
// name model (the embedder's model, as the caller identifies it: its URL,
// name and dimensions), for ReadVectors after a restart; it returns how
// many it wrote. It waits for a refresh under way, as long as ctx allows.
func (h *Hybrid) WriteVectors(ctx context.Context, w io.Writer, model string) (int, error) {
	if len(model) > maxModelName {
		return 0, fmt.Errorf("search: writing vectors: the model's name is longer than %d bytes", maxModelName)
	}
	if err := h.lockCache(ctx); err != nil {
		return 0, err
	}
	defer h.unlockCache()
	changed := h.changed.Load()
	h.mu.RLock()
	dim := h.dim
	h.mu.RUnlock()
	var keys []contentHash // those of the searched vectors' length: not one of another model read since
	for k, v := range h.cache {
		if len(v) == dim {
			keys = append(keys, k)
		}
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(vectorMagic)
	put := func(n int) { _ = binary.Write(bw, binary.LittleEndian, uint32(n)) }
	put(len(model))
	bw.WriteString(model)
	put(dim)
	put(len(keys))
	for _, k := range keys {
		bw.Write(k[:])
		if err := binary.Write(bw, binary.LittleEndian, h.cache[k]); err != nil {
			return 0, fmt.Errorf("search: writing vectors: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("search: writing vectors: %w", err)
	}
	h.written.Store(changed)
	return len(keys), nil
}

// ErrOtherModel is returned by ReadVectors for vectors of another model.
var ErrOtherModel = errors.New("search: the vectors are of another model")

// ReadVectors reads vectors that WriteVectors wrote under the name model,
// so that refreshes embed only the tools they do not cover (a tool listed
// later, once its target is up, finds its vector too); it returns how
// many it read. Vectors written under another name are not
// read (ErrOtherModel), nor is a file that is not whole or holds a value
// that is not a finite number: nothing of it is kept. It waits for a
// refresh under way, as long as ctx allows.
func (h *Hybrid) ReadVectors(ctx context.Context, r io.Reader, model string) (int, error) {
	vecs, dim, err := readVectors(bufio.NewReader(r), model)
	if err != nil {
		return 0, err
	}
	if err := h.stashVectors(ctx, vecs, dim); err != nil {
		return 0, err
	}
	return len(vecs), nil
}

// stashVectors keeps vecs, all of length dim, for the refreshes to find
// by their tools' texts, unless they are of another length than the
// vectors searched.
func (h *Hybrid) stashVectors(ctx context.Context, vecs map[contentHash][]float32, dim int) error {
	if err := h.lockCache(ctx); err != nil {
		return err
	}
	defer h.unlockCache()
	h.mu.RLock()
	searched := h.dim
	h.mu.RUnlock()
	if searched != 0 && len(vecs) > 0 && dim != searched {
		return fmt.Errorf("%w: vectors of %d dimensions, the catalogue's have %d", ErrOtherModel, dim, searched)
	}
	if h.stash == nil {
		h.stash = make(map[contentHash][]float32, len(vecs))
	}
	for k, v := range vecs {
		if _, ok := h.cache[k]; !ok {
			h.stash[k] = v
		}
	}
	return nil
}

// readVectors parses a vectors file for model.
func readVectors(r io.Reader, model string) (vecs map[contentHash][]float32, dim int, err error) {
	fail := func(format string, args ...any) (map[contentHash][]float32, int, error) {
		return nil, 0, fmt.Errorf("search: reading vectors: "+format, args...)
	}
	magic := make([]byte, len(vectorMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != vectorMagic {
		return fail("not a vectors file (it does not begin %q)", vectorMagic)
	}
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return fail("the model's name: %w", noEOF(err))
	}
	if n > maxModelName {
		return fail("a model's name of %d bytes (at most %d)", n, maxModelName)
	}
	name := make([]byte, n)
	if _, err := io.ReadFull(r, name); err != nil {
		return fail("the model's name: %w", noEOF(err))
	}
	if string(name) != model {
		return nil, 0, fmt.Errorf("%w: %.80q, not %.80q", ErrOtherModel, name, model)
	}
	var head [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &head); err != nil {
		return fail("the dimensions and count: %w", noEOF(err))
	}
	dim, count := int(head[0]), int(head[1])
	if dim > maxDim || dim == 0 && count > 0 {
		return fail("vectors of %d dimensions", dim)
	}
	out := make(map[contentHash][]float32, min(count, 1<<16)) // the count is not trusted to size anything
	for i := range count {
		var k contentHash
		if _, err := io.ReadFull(r, k[:]); err != nil {
			return fail("vector %d of %d: %w", i+1, count, noEOF(err))
		}
		v := make([]float32, dim)
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return fail("vector %d of %d: %w", i+1, count, noEOF(err))
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fail("vector %d of %d holds a value that is not a finite number (%v)", i+1, count, x)
			}
		}
		out[k] = normalize(v)
	}
	if _, err := r.Read(make([]byte, 1)); err != io.EOF {
		return fail("more than %d vectors", count)
	}
	return out, dim, nil
}

// noEOF reports a file that ends too soon as such.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file ends too soon")
	}
	return err
}
