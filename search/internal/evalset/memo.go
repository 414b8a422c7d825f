package evalset

import (
	"context"
	"fmt"
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
