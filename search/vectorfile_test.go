package search_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

// textCount is how many texts e was asked for.
func textCount(e *gatedEmbedder) int {
	n, _ := e.texts()
	return n
}

// refreshed is a hybrid searcher over the catalogue with its vectors
// embedded.
func refreshed(t *testing.T, ix *search.Index) (*search.Hybrid, *gatedEmbedder) {
	t.Helper()
	emb := &gatedEmbedder{}
	h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
	h.Logger = discard()
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, emb
}

// Vectors written and read again spare the embedder every tool they
// cover, and rank as the vectors they were: a restarted searcher embeds
// only the tool that changed.
func TestVectorsRoundTrip(t *testing.T) {
	ctx := context.Background()
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	h, _ := refreshed(t, ix)
	var file bytes.Buffer
	n, err := h.WriteVectors(ctx, &file, "fake-64")
	if err != nil || n != len(catalogue()) {
		t.Fatalf("wrote %d vectors, %v; want %d", n, err, len(catalogue()))
	}

	// Restarted: the catalogue comes a target at a time, after a first
	// refresh of none, as the search tool's do.
	emb := &gatedEmbedder{}
	ix2 := search.NewIndex()
	again := search.NewHybrid(ix2, emb, &search.HybridOptions{RetryAfter: -1})
	if n, err := again.ReadVectors(ctx, bytes.NewReader(file.Bytes()), "fake-64"); err != nil || n != len(catalogue()) {
		t.Fatalf("read %d vectors, %v; want %d", n, err, len(catalogue()))
	}
	for _, d := range append([]search.Document{{}}, catalogue()...) {
		if d.Name != "" {
			ix2.Upsert(d)
		}
		if err := again.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := textCount(emb); got != 0 {
		t.Errorf("the refreshes after reading embedded %d texts, want none", got)
	}
	ix = ix2
	for _, q := range []string{"weather forecast for Paris", "open a pull request", "read the file notes.txt"} {
		want, _ := h.Search(ctx, q, nil)
		got, _ := again.Search(ctx, q, nil)
		if got.Mode != search.ModeHybrid || !slices.Equal(names(got.Hits), names(want.Hits)) {
			t.Errorf("%q: %s %v, want hybrid %v", q, got.Mode, names(got.Hits), names(want.Hits))
		}
	}
	ix.Upsert(doc("weather", "get_forecast", "The weather forecast of a city, hour by hour.", ""))
	before := textCount(emb)
	if err := again.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := textCount(emb) - before; got != 1 {
		t.Errorf("a changed tool: %d texts embedded, want 1", got)
	}
}

// vectorsFile builds a vectors file by hand: model, dim, then each vector
// under the hash of its index.
func vectorsFile(model string, dim int, vecs ...[]float32) []byte {
	var b bytes.Buffer
	b.WriteString("toolgate vectors 1\n")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(model)))
	b.WriteString(model)
	_ = binary.Write(&b, binary.LittleEndian, [2]uint32{uint32(dim), uint32(len(vecs))})
	for i, v := range vecs {
		var k [32]byte
		k[0] = byte(i)
		b.Write(k[:])
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

// A vectors file that is not whole, not of this model or holds a value
// that is not a finite number is refused, saying why, and nothing of it
// is kept: the catalogue is embedded whole.
func TestReadVectorsErrors(t *testing.T) {
	ctx := context.Background()
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	h, _ := refreshed(t, ix)
	var good bytes.Buffer
	if _, err := h.WriteVectors(ctx, &good, "m"); err != nil {
		t.Fatal(err)
	}
	nan := float32(math.NaN())
	tests := []struct {
		name  string
		data  []byte
		model string
		want  string
		other bool // errors.Is ErrOtherModel
	}{
		{"empty", nil, "m", "not a vectors file", false},
		{"another format", []byte("toolgate vectors 2\n...."), "m", "not a vectors file", false},
		{"another model", good.Bytes(), "m2", `of another model: "m", not "m2"`, true},
		{"cut short", good.Bytes()[:good.Len()-3], "m", "the file ends too soon", false},
		{"cut in the name", good.Bytes()[:21], "m", "the model's name: the file ends too soon", false},
		{"more after", append(slices.Clone(good.Bytes()), 0), "m", "more than 9 vectors", false},
		{"not a number", vectorsFile("m", 2, []float32{1, 0}, []float32{nan, 1}), "m", "vector 2 of 2 holds a value that is not a finite number (NaN)", false},
		{"infinite", vectorsFile("m", 1, []float32{float32(math.Inf(1))}), "m", "not a finite number (+Inf)", false},
		{"no dimensions", vectorsFile("m", 0, []float32{}), "m", "vectors of 0 dimensions", false},
		{"too many dimensions", vectorsFile("m", 1<<17), "m", "vectors of 131072 dimensions", false},
		{"another length than the catalogue's", vectorsFile("m", 3, []float32{1, 2, 3}), "m", "vectors of 3 dimensions, the catalogue's have 64", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := h.ReadVectors(ctx, bytes.NewReader(tt.data), tt.model)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, search.ErrOtherModel) != tt.other || n != 0 {
				t.Errorf("read %d, %v; want an error saying %q (other model: %v)", n, err, tt.want, tt.other)
			}
			emb := &gatedEmbedder{}
			fresh := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
			_, _ = fresh.ReadVectors(ctx, bytes.NewReader(tt.data), tt.model)
			if err := fresh.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if got := textCount(emb); got != len(catalogue()) {
				t.Errorf("after the refused file, %d texts embedded, want the catalogue's %d", got, len(catalogue()))
			}
		})
	}
}

// FuzzReadVectors: a vectors file of any content is read or refused,
// never a panic; what is read has vectors of one length, of finite
// values, and writes back to what reads the same.
func FuzzReadVectors(f *testing.F) {
	f.Add(vectorsFile("m", 2, []float32{1, 0}, []float32{0.6, 0.8}))
	f.Add(vectorsFile("m", 3, []float32{1, 2, 3}))
	f.Add(vectorsFile("m", 0))
	f.Add(vectorsFile("x", 1, []float32{1}))
	f.Add([]byte("toolgate vectors 1\n"))
	ix := search.NewIndex()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		h := search.NewHybrid(ix, &gatedEmbedder{}, nil)
		n, err := h.ReadVectors(ctx, bytes.NewReader(data), "m")
		if err != nil {
			if n != 0 {
				t.Fatalf("read %d vectors with an error", n)
			}
			return
		}
		// With no tool indexed the vectors searched have no length: the
		// catalogue's vectors are all written back only once refreshed,
		// so what was read must survive a write as nothing, not garbage.
		var back bytes.Buffer
		if _, err := h.WriteVectors(ctx, &back, "m"); err != nil {
			t.Fatal(err)
		}
		if _, err := search.NewHybrid(ix, &gatedEmbedder{}, nil).ReadVectors(ctx, &back, "m"); err != nil {
			t.Fatalf("what was written does not read: %v", err)
		}
	})
}

// The search tool keeps its vectors in Options.VectorFile: a restarted
// service embeds none of the tools it covers; a file it cannot use is
// logged and written over with one it can.
func TestServiceVectorFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vectors.bin")
	start := func(t *testing.T, model string) (*search.Service, *gatedEmbedder, *testenv.LockedBuffer) {
		t.Helper()
		gw := newGateway(t, toolgate.Options{})
		emb := &gatedEmbedder{}
		logs := &testenv.LockedBuffer{}
		svc, err := search.Enable(gw, &search.Options{Embedder: emb, VectorFile: path, VectorModel: model,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.Close)
		testenv.WaitFor(t, "the catalogue embedded", func() bool {
			_, res, err := svc.Search(context.Background(), "forecast", 0)
			return err == nil && res.Mode == search.ModeHybrid
		})
		return svc, emb, logs
	}
	written := func() time.Time {
		st, err := os.Stat(path)
		if err != nil {
			return time.Time{}
		}
		return st.ModTime()
	}

	_, first, logs := start(t, "fake-64")
	testenv.WaitFor(t, "the vectors file", func() bool { return !written().IsZero() })
	tools := textCount(first) - 1 // the search's own request
	if tools < 2 || !strings.Contains(logs.String(), "no vectors file yet") {
		t.Fatalf("first start: %d tools embedded; log:\n%s", tools, logs)
	}

	_, again, logs := start(t, "fake-64")
	if got := textCount(again); got != 1 {
		t.Errorf("restarted: %d texts embedded, want 1 (the request); log:\n%s", got, logs)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf("vectors=%d", tools)) {
		t.Errorf("no record of %d vectors read:\n%s", tools, logs)
	}

	_, other, logs := start(t, "another-model")
	if got := textCount(other); got != tools+1 {
		t.Errorf("another model: %d texts embedded, want %d", got, tools+1)
	}
	if !strings.Contains(logs.String(), "level=INFO") || !strings.Contains(logs.String(), "vectors file not used") {
		t.Errorf("another model's file: not noted:\n%s", logs)
	}
	testenv.WaitFor(t, "the file written over", func() bool {
		f, err := os.ReadFile(path)
		return err == nil && bytes.Contains(f, []byte("another-model"))
	})

	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, logs = start(t, "another-model")
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "not a vectors file") {
		t.Errorf("a broken file: no warning:\n%s", logs)
	}
	testenv.WaitFor(t, "the broken file written over", func() bool {
		f, err := os.ReadFile(path)
		return err == nil && bytes.HasPrefix(f, []byte("toolgate vectors 1\n"))
	})
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// A vectors file without an embedder is a mistake Enable names.
func TestServiceVectorFileWithoutEmbedder(t *testing.T) {
	gw := newGateway(t, toolgate.Options{})
	_, err := search.Enable(gw, &search.Options{VectorFile: filepath.Join(t.TempDir(), "v.bin")})
	if err == nil || !strings.Contains(err.Error(), "there is no Embedder") {
		t.Fatalf("Enable: %v; want an error naming the missing Embedder", err)
	}
}
