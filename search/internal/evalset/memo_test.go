package evalset

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

type countingEmbedder struct{ calls [][]string }

func (c *countingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	c.calls = append(c.calls, slices.Clone(texts))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t))}
	}
	return out, nil
}

func TestMemo(t *testing.T) {
	inner := &countingEmbedder{}
	m := &Memo{E: inner}
	tests := []struct {
		texts []string
		call  []string // what reaches the inner embedder; nil for nothing
	}{
		{[]string{"ab", "abc", "ab"}, []string{"ab", "abc"}},
		{[]string{"abc", "ab"}, nil},
		{[]string{"x", "abc"}, []string{"x"}},
	}
	for _, tt := range tests {
		before := len(inner.calls)
		vecs, err := m.Embed(context.Background(), tt.texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vecs {
			if len(v) != 1 || int(v[0]) != len(tt.texts[i]) {
				t.Errorf("%q: vector %v for %q", tt.texts, v, tt.texts[i])
			}
		}
		var got []string
		if len(inner.calls) > before {
			got = inner.calls[before]
		}
		if !slices.Equal(got, tt.call) || len(inner.calls) > before+1 {
			t.Errorf("%q: the inner embedder got %q, want %q", tt.texts, inner.calls[before:], tt.call)
		}
	}
}

func TestMemoSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vectors.gob")
	m := &Memo{E: &countingEmbedder{}}
	if err := m.Load(path, "m1"); err != nil {
		t.Fatalf("a missing file: %v", err)
	}
	if _, err := m.Embed(context.Background(), []string{"ab", "abcd"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(path, "m1"); err != nil {
		t.Fatal(err)
	}
	inner := &countingEmbedder{}
	again := &Memo{E: inner}
	if err := again.Load(path, "m1"); err != nil {
		t.Fatal(err)
	}
	vecs, err := again.Embed(context.Background(), []string{"abcd", "ab"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inner.calls) != 0 || vecs[0][0] != 4 || vecs[1][0] != 2 {
		t.Errorf("loaded vectors %v, inner calls %q", vecs, inner.calls)
	}
	if err := (&Memo{}).Load(path, "m2"); err == nil || !strings.Contains(err.Error(), `"m1"`) {
		t.Errorf("another model's file: %v", err)
	}
	if err := os.WriteFile(path, []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&Memo{}).Load(path, "m1"); err == nil {
		t.Error("a corrupt file loaded")
	}
}

// gateEmbedder counts the texts it embeds; each call waits for release or
// its context, and the first fails if failFirst is set.
type gateEmbedder struct {
	mu        sync.Mutex
	texts     map[string]int
	calls     int
	started   chan struct{}
	release   chan struct{}
	failFirst bool
}

func (g *gateEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	g.mu.Lock()
	for _, t := range texts {
		g.texts[t]++
	}
	g.calls++
	fail := g.failFirst && g.calls == 1
	g.mu.Unlock()
	g.started <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if fail {
		return nil, errors.New("model overloaded")
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t))}
	}
	return out, nil
}

// Calls at once for the same texts embed each text once: the second
// waits for what the first is embedding; when the first fails, the second
// embeds them itself.
func TestMemoConcurrent(t *testing.T) {
	for _, firstFails := range []bool{false, true} {
		g := &gateEmbedder{texts: map[string]int{}, started: make(chan struct{}, 4), release: make(chan struct{}), failFirst: firstFails}
		m := &Memo{E: g}
		first := make(chan error, 1)
		go func() {
			_, err := m.Embed(context.Background(), []string{"a", "bb"})
			first <- err
		}()
		<-g.started // the first call is embedding a and bb
		second := make(chan [][]float32, 1)
		go func() {
			v, err := m.Embed(context.Background(), []string{"bb", "ccc", "a"})
			if err != nil {
				t.Error(err)
			}
			second <- v
		}()
		<-g.started // the second embeds only ccc
		close(g.release)
		if err := <-first; (err != nil) != firstFails {
			t.Fatalf("first call: %v, want failure %v", err, firstFails)
		}
		v := <-second
		if len(v) != 3 || v[0][0] != 2 || v[1][0] != 3 || v[2][0] != 1 {
			t.Fatalf("second call's vectors %v", v)
		}
		want := map[string]int{"a": 1, "bb": 1, "ccc": 1}
		if firstFails {
			want = map[string]int{"a": 2, "bb": 2, "ccc": 1}
		}
		if !maps.Equal(g.texts, want) {
			t.Errorf("first fails %v: texts embedded %v, want %v", firstFails, g.texts, want)
		}
	}
}

// FuzzMemoRead: a vectors file (-embed-cache) of any content is read or
// refused with an error, never a panic; what is read holds a vector for
// every text, and Save writes it back as it was read.
func FuzzMemoRead(f *testing.F) {
	var valid bytes.Buffer
	_ = gob.NewEncoder(&valid).Encode(memoFile{Model: "m", Vecs: map[string][]float32{"a": {1, 2}, "bc": {3}}})
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:valid.Len()/2])
	var empty bytes.Buffer
	_ = gob.NewEncoder(&empty).Encode(memoFile{Model: "m", Vecs: map[string][]float32{"a": nil}})
	f.Add(empty.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Memo
		if err := m.read(bytes.NewReader(data), "fuzz", "m"); err != nil {
			return
		}
		for text, v := range m.vecs {
			if len(v) == 0 {
				t.Fatalf("text %q read without a vector", text)
			}
		}
		path := filepath.Join(t.TempDir(), "vecs")
		if err := m.Save(path, "m"); err != nil {
			t.Fatal(err)
		}
		var back Memo
		if err := back.Load(path, "m"); err != nil {
			t.Fatal(err)
		}
		if !maps.EqualFunc(m.vecs, back.vecs, func(a, b []float32) bool { return slices.Equal(a, b) || fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Fatalf("saved and loaded again: %v, was %v", back.vecs, m.vecs)
		}
	})
}
