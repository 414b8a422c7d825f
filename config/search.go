package config

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/toolgate/toolgate/search"
)

// searchOptions are the options of search.Enable that the file describes:
// the defaults, or toolgate.search's maximum and embeddings API. Load has
// checked the values (an API key that is set resolves).
func (f *File) searchOptions(logger *slog.Logger) *search.Options {
	o := &search.Options{Logger: logger}
	l := f.Toolgate
	if l == nil || l.Search == nil {
		return o
	}
	o.MaxResults = l.Search.MaxResults
	o.CallTool = l.Search.CallTool
	if lr := l.Search.Learn; lr != nil {
		o.Learn = &search.LearnOptions{MinCallers: lr.MinCallers}
		o.LearnFile = lr.File
		o.LearnScope = learnScope(lr.Scope)
	}
	e := l.Search.Embeddings
	if e == nil {
		return o
	}
	key, _ := e.APIKey.Resolve()
	o.Embedder = &search.OpenAIEmbedder{BaseURL: e.URL, Model: e.Model, APIKey: key, Dimensions: e.Dimensions}
	// Names the model in the vectors file, and to a gateway rebuilt on
	// reload (Built.Previous), which takes the vectors over.
	o.VectorModel = fmt.Sprintf("%s model=%q dimensions=%d", e.URL, e.Model, e.Dimensions)
	o.VectorFile = e.VectorFile
	h := &search.HybridOptions{}
	if e.Timeout != nil {
		h.Timeout = time.Duration(*e.Timeout)
	}
	switch {
	case e.RequestCache == nil: // the default
	case *e.RequestCache == 0:
		h.RequestCache = -1 // none
	default:
		h.RequestCache = *e.RequestCache
	}
	o.Hybrid = h
	return o
}
