package evalset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"sync"

	"github.com/toolgate/toolgate/search"
)

// Memo is an Embedder that embeds each distinct text once, through E, and
// remembers its vector: an evaluation ranks the same requests and tools
// many times. Embed may be called up front with every request, so that E
// sees them in batches. It is safe for concurrent use.
type Memo struct {
	E search.Embedder

	mu   sync.Mutex
	vecs map[string][]float32
}

// Embed implements search.Embedder.
func (m *Memo) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var missing []string
	seen := map[string]bool{}
	m.mu.Lock()
	for i, t := range texts {
		if out[i] = m.vecs[t]; out[i] == nil && !seen[t] {
			seen[t] = true
			missing = append(missing, t)
		}
	}
	m.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	vecs, err := m.E.Embed(ctx, missing)
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(missing) {
		return nil, fmt.Errorf("evalset: embedder returned %d vectors for %d texts", len(vecs), len(missing))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vecs == nil {
		m.vecs = make(map[string][]float32)
	}
	for i, t := range missing {
		m.vecs[t] = vecs[i]
	}
	for i, t := range texts {
		out[i] = m.vecs[t]
	}
	return out, nil
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
	var mf memoFile
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&mf); err != nil {
		return fmt.Errorf("evalset: reading vectors from %s: %w", path, err)
	}
	if mf.Model != model {
		return fmt.Errorf("evalset: %s holds vectors of model %q, not %q", path, mf.Model, model)
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
