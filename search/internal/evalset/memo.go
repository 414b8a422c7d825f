package evalset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"sync"

	"github.com/toolgate/toolgate/search"
)

// Memo is an Embedder that embeds each distinct text once, through E, and
// remembers its vector: an evaluation ranks the same requests and tools
// many times. Embed may be called up front with every request, so that E
// sees them in batches. It is safe for concurrent use: a text that one
// call is embedding is waited for by the others, not embedded again.
type Memo struct {
	E search.Embedder

	mu      sync.Mutex
	vecs    map[string][]float32
	pending map[string]*flight // texts an E call is embedding
}

// A flight is one call to E; done is closed when it returns.
type flight struct{ done chan struct{} }

// Embed implements search.Embedder.
func (m *Memo) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for {
		var missing []string
		var waits []*flight
		seen := map[string]bool{}
		m.mu.Lock()
		for _, t := range texts {
			switch f := m.pending[t]; {
			case m.vecs[t] != nil, seen[t]:
			case f != nil:
				seen[t] = true
				waits = append(waits, f)
			default:
				seen[t] = true
				missing = append(missing, t)
			}
		}
		var own *flight
		if len(missing) > 0 {
			own = &flight{done: make(chan struct{})}
			if m.pending == nil {
				m.pending = make(map[string]*flight)
			}
			for _, t := range missing {
				m.pending[t] = own
			}
		}
		m.mu.Unlock()
		if own == nil && len(waits) == 0 {
			return m.lookup(texts), nil
		}
		if own != nil {
			if err := m.fly(ctx, own, missing); err != nil {
				return nil, err
			}
		}
		for _, f := range waits {
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		// Texts another call failed to embed are asked for again.
	}
}

// fly embeds texts through E as flight f and records the vectors.
func (m *Memo) fly(ctx context.Context, f *flight, texts []string) error {
	vecs, err := m.E.Embed(ctx, texts)
	if err == nil && len(vecs) != len(texts) {
		err = fmt.Errorf("evalset: embedder returned %d vectors for %d texts", len(vecs), len(texts))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil && m.vecs == nil {
		m.vecs = make(map[string][]float32)
	}
	for i, t := range texts {
		if err == nil {
			m.vecs[t] = vecs[i]
		}
		delete(m.pending, t)
	}
	close(f.done)
	return err
}

// lookup returns the remembered vectors of texts.
func (m *Memo) lookup(texts []string) [][]float32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = m.vecs[t]
	}
	return out
}

// memoFile is what Save writes: the vectors by text, and the model's
// name, so that vectors of one model are never read as another's.
type memoFile struct {
	Model string
	Vecs  map[string][]float32
}

// Load reads the vectors that Save wrote to path for model; a missing
// file loads nothing. A file of another model is an error.
func (m *Memo) Load(path, model string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return m.read(bufio.NewReader(f), path, model)
}

// read loads what Save wrote, from r (named name in errors). A text
// without a vector is an error: Embed would answer it with nil.
func (m *Memo) read(r io.Reader, name, model string) error {
	var mf memoFile
	if err := gob.NewDecoder(r).Decode(&mf); err != nil {
		return fmt.Errorf("evalset: reading vectors from %s: %w", name, err)
	}
	if mf.Model != model {
		return fmt.Errorf("evalset: %s holds vectors of model %q, not %q", name, mf.Model, model)
	}
	for t, v := range mf.Vecs {
		if len(v) == 0 {
			return fmt.Errorf("evalset: %s holds no vector for the text %.40q", name, t)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vecs == nil {
		m.vecs = make(map[string][]float32, len(mf.Vecs))
	}
	maps.Copy(m.vecs, mf.Vecs)
	return nil
}

// Save writes every vector m holds to path, for model, replacing the
// file whole.
func (m *Memo) Save(path, model string) error {
	m.mu.Lock()
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(memoFile{Model: model, Vecs: m.vecs})
	m.mu.Unlock()
	if err != nil {
		return fmt.Errorf("evalset: encoding vectors: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
