package search_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

// gatedEmbedder embeds as the test server's model does; before each call
// it runs gate, if set, which may hold the call or fail it.
type gatedEmbedder struct {
	mu    sync.Mutex
	calls [][]string
	gate  func(ctx context.Context, texts []string) error
}

func (e *gatedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls = append(e.calls, slices.Clone(texts))
	gate := e.gate
	e.mu.Unlock()
	if gate != nil {
		if err := gate(ctx, texts); err != nil {
			return nil, err
		}
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = fakeEmbed(t)
	}
	return out, nil
}

func (e *gatedEmbedder) setGate(gate func(ctx context.Context, texts []string) error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gate = gate
}

// switches control a switchedEmbedder.
type switches struct {
	hold, down atomic.Bool
	released   chan struct{}
}

// release lets the held catalogue calls through, and the next ones.
func (sw *switches) release() {
	sw.hold.Store(false)
	close(sw.released)
}

// switchedEmbedder returns an embedder whose catalogue calls (of more
// than one text) wait, at first, until the test releases them, and whose
// every call fails while the test holds it down.
func switchedEmbedder() (*gatedEmbedder, *switches) {
	sw := &switches{released: make(chan struct{})}
	sw.hold.Store(true)
	return &gatedEmbedder{gate: func(ctx context.Context, texts []string) error {
		if len(texts) > 1 && sw.hold.Load() {
			select {
			case <-sw.released:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if sw.down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}}, sw
}

// texts returns how many texts the embedder was asked for, and the most
// in one call.
func (e *gatedEmbedder) texts() (n, most int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.calls {
		n += len(c)
		most = max(most, len(c))
	}
	return n, most
}

// sleepPerText holds a call 1 ms per text, or until ctx ends.
func sleepPerText(ctx context.Context, texts []string) error {
	select {
	case <-time.After(time.Duration(len(texts)) * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bigCatalogue returns n tools of distinct names and descriptions.
func bigCatalogue(n int) []search.Document {
	docs := make([]search.Document, n)
	for i := range docs {
		docs[i] = doc("bulk", fmt.Sprintf("tool_%03d", i), fmt.Sprintf("Operation number %d of the bulk service.", i), "")
	}
	return docs
}

// The catalogue is embedded 64 tools a call, each call within the
// timeout on its own: a catalogue that takes longer than the timeout to
// embed in all still gets its vectors, and what a failed refresh embedded
// is not asked again.
func TestHybridRefreshInChunks(t *testing.T) {
	t.Run("each call within the timeout", func(t *testing.T) {
		ix := search.NewIndex()
		ix.Upsert(bigCatalogue(256)...)
		emb := &gatedEmbedder{gate: sleepPerText}
		// 256 texts take 256 ms; a call of 64 takes 64 ms.
		h := search.NewHybrid(ix, emb, &search.HybridOptions{Timeout: 200 * time.Millisecond, RetryAfter: -1})
		h.Logger = discard()
		if err := h.Refresh(context.Background()); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		if n, most := emb.texts(); n != 256 || most > 64 {
			t.Fatalf("embedded %d texts, at most %d a call; want 256, at most 64", n, most)
		}
		res, err := h.Search(context.Background(), "operation number 7", nil)
		if err != nil || res.Mode != search.ModeHybrid {
			t.Fatalf("mode %q fallback %v err %v; want hybrid", res.Mode, res.Fallback, err)
		}
	})

	t.Run("resumes after a failure", func(t *testing.T) {
		ix := search.NewIndex()
		ix.Upsert(bigCatalogue(150)...)
		emb := &gatedEmbedder{}
		calls := 0
		emb.setGate(func(context.Context, []string) error {
			if calls++; calls == 2 {
				return errors.New("model overloaded")
			}
			return nil
		})
		h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
		h.Logger = discard()
		err := h.Refresh(context.Background())
		if err == nil || !strings.Contains(err.Error(), "tools 65-128 of 150") || !strings.Contains(err.Error(), "model overloaded") {
			t.Fatalf("Refresh = %v; want the second call's failure, saying which tools", err)
		}
		first, _ := emb.texts()
		if err := h.Refresh(context.Background()); err != nil {
			t.Fatalf("second Refresh: %v", err)
		}
		if n, _ := emb.texts(); n-first != 150-64 {
			t.Fatalf("the second refresh asked for %d texts; want the %d not embedded before", n-first, 150-64)
		}
	})
}

// A refresh embeds a changed tool's new text and nothing else; a change
// the text does not hold (the output schema) embeds nothing.
func TestHybridRefreshChanges(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	emb := &gatedEmbedder{}
	h := search.NewHybrid(ix, emb, nil)
	h.Logger = discard()
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	forecast := catalogue()[0]
	tests := []struct {
		change func(d *search.Document)
		want   []string // words of each text embedded
	}{
		{func(d *search.Document) { d.Tool.Description = "Hourly outlook for a town." }, []string{"Hourly outlook"}},
		{func(d *search.Document) { d.Tool.OutputSchema = []byte(`{"type":"object"}`) }, nil},
		{func(d *search.Document) { d.Tool.Description = "Get the weather forecast for a city." }, []string{"forecast for a city"}},
	}
	for i, tt := range tests {
		tt.change(&forecast)
		ix.Upsert(forecast)
		before := len(emb.calls)
		if err := h.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range emb.calls[before:] {
			got = append(got, c...)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("change %d: embedded %q; want %d texts", i, got, len(tt.want))
		}
		for j, w := range tt.want {
			if !strings.Contains(got[j], w) {
				t.Fatalf("change %d: embedded %q; want a text with %q", i, got, w)
			}
		}
	}
}

// While one search embeds the index's changes, others go on with the
// vectors of before, leaving out tools removed since; a search that has
// no vectors to go on waits for the refresh, as long as its context lets
// it.
func TestHybridSearchDuringRefresh(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	ix.Upsert(doc("marine", "sea_conditions", "Wave height and tides at sea.", ""))
	emb := &gatedEmbedder{}
	h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
	h.Logger = discard()
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Hold the embedding of the new tool.
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	emb.setGate(func(ctx context.Context, texts []string) error {
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "kelp") }) {
			return nil
		}
		once.Do(func() { close(held) })
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	ix.Remove("marine___sea_conditions")
	ix.Upsert(doc("reef", "kelp_density", "Density of kelp forests.", ""))
	done := make(chan *search.Result, 1)
	go func() {
		res, _ := h.Search(context.Background(), "kelp", nil)
		done <- res
	}()
	<-held

	// "moana nalu" is closest to the removed sea tool by vector.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := h.Search(ctx, "moana nalu", nil)
	if err != nil || res.Mode != search.ModeHybrid {
		t.Fatalf("search during a refresh: mode %q fallback %v err %v; want hybrid on the vectors of before", res.Mode, res.Fallback, err)
	}
	for _, hit := range res.Hits {
		if hit.Name == "marine___sea_conditions" {
			t.Fatalf("search during a refresh found a removed tool: %v", res.Hits)
		}
	}
	close(release)
	if res := <-done; res.Mode != search.ModeHybrid || len(res.Hits) == 0 || res.Hits[0].Name != "reef___kelp_density" {
		t.Fatalf("the refreshing search: mode %q hits %v", res.Mode, res.Hits)
	}

	// No vectors yet: a search waits for the refresh under way, until its
	// context ends.
	fresh := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
	fresh.Logger = discard()
	held2, release2 := make(chan struct{}), make(chan struct{})
	emb.setGate(func(ctx context.Context, texts []string) error {
		close(held2)
		<-release2
		return nil
	})
	refreshed := make(chan error, 1)
	go func() { refreshed <- fresh.Refresh(context.Background()) }()
	<-held2
	emb.setGate(nil)
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if _, err := fresh.Search(short, "weather", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("search waiting for the first vectors = %v; want its context's deadline", err)
	}
	close(release2)
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if res, err := fresh.Search(context.Background(), "weather", nil); err != nil || res.Mode != search.ModeHybrid {
		t.Fatalf("after the refresh: mode %q err %v", res.Mode, err)
	}
}

// A service with an embedder embeds the catalogue ahead of searches, at
// start and after each change, until it is closed.
func TestServiceEmbedsAhead(t *testing.T) {
	gw := newGateway(t, toolgate.Options{})
	emb := &gatedEmbedder{}
	svc, err := search.Enable(gw, &search.Options{Embedder: emb, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	embedded := func(word string) bool {
		emb.mu.Lock()
		defer emb.mu.Unlock()
		for _, c := range emb.calls {
			if slices.ContainsFunc(c, func(s string) bool { return strings.Contains(s, word) }) {
				return true
			}
		}
		return false
	}
	waitFor := func(word string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !embedded(word); {
			if time.Now().After(deadline) {
				t.Fatalf("no tool text with %q was embedded without a search", word)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("forecast")
	if err := gw.AddTarget(context.Background(), toolgate.Funcs("tides",
		toolgate.Func("get_tides", "High and low tide times for a harbour.", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
	)); err != nil {
		t.Fatal(err)
	}
	waitFor("harbour")

	svc.Close()
	if err := gw.AddTarget(context.Background(), toolgate.Funcs("lighthouse",
		toolgate.Func("get_lights", "Lighthouse beacons along a coast.", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
	)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if embedded("beacons") {
		t.Fatal("a closed service embedded a new tool")
	}
}

// countLines returns how many lines of log hold all of words.
func countLines(log string, words ...string) int {
	n := 0
	for _, line := range strings.Split(log, "\n") {
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(line, w) }) {
			n++
		}
	}
	return n
}

// While the embedder is down, the service's warm-up tries again every
// RetryAfter on its own, warning once; when the embedder is back, the
// next try embeds the catalogue with no change or search to prompt it.
func TestServiceWarmUpRetries(t *testing.T) {
	gw := newGateway(t, toolgate.Options{})
	var down atomic.Bool
	down.Store(true)
	emb := &gatedEmbedder{gate: func(context.Context, []string) error {
		if down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}}
	logs := &testenv.LockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := search.Enable(gw, &search.Options{Embedder: emb, Logger: log,
		Hybrid: &search.HybridOptions{RetryAfter: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	calls := func() int {
		emb.mu.Lock()
		defer emb.mu.Unlock()
		return len(emb.calls)
	}
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				t.Fatalf("still not: %s (embedder calls %d); log:\n%s", what, calls(), logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for _, name := range []string{"tides", "lights", "buoys"} { // changes while it fails
		if err := gw.AddTarget(context.Background(), toolgate.Funcs(name,
			toolgate.Func("get_"+name, "Harbour "+name+".", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
		)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil("three failed tries", func() bool { return countLines(logs.String(), "embedding the catalogue failed") >= 3 })
	if n := countLines(logs.String(), "level=WARN", "embedding the catalogue failed"); n != 1 {
		t.Fatalf("%d warnings for one run of failures, want 1; log:\n%s", n, logs.String())
	}
	down.Store(false)
	waitUntil("the catalogue embedded once the embedder is back", func() bool {
		return countLines(logs.String(), "level=INFO", "embedding the catalogue works again") == 1
	})
	before := calls()
	_, res, err := svc.Search(context.Background(), "harbour buoys", 0)
	if err != nil || res.Mode != search.ModeHybrid {
		t.Fatalf("search after recovery: %v %+v", err, res)
	}
	if got := calls() - before; got != 1 {
		t.Fatalf("the search called the embedder %d times, want once (its request only: the tools were embedded ahead)", got)
	}
}

// A failed Refresh keeps searches lexical for RetryAfter, as a failed
// search does: the embedder is not called again until then.
func TestHybridRefreshBacksOff(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	emb := &gatedEmbedder{gate: func(context.Context, []string) error { return errors.New("connection refused") }}
	h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: time.Minute})
	h.Logger = discard()
	if err := h.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh with a failing embedder: no error")
	}
	before := len(emb.calls)
	res, err := h.Search(context.Background(), "weather forecast", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeLexical || res.Fallback == nil || !strings.Contains(res.Fallback.Error(), "connection refused") {
		t.Fatalf("search after a failed refresh: mode %q, fallback %v; want lexical, saying why", res.Mode, res.Fallback)
	}
	if got := len(emb.calls) - before; got != 0 {
		t.Fatalf("the search called the embedder %d times within RetryAfter of the failed refresh", got)
	}
}

// A search of the search tool never waits for the catalogue's changes to
// be embedded (the warmer does it): it ranks with the vectors of before.
func TestServiceSearchesDoNotWait(t *testing.T) {
	gw := newGateway(t, toolgate.Options{})
	release := make(chan struct{})
	emb := &gatedEmbedder{gate: func(ctx context.Context, texts []string) error {
		if slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "tide times") }) {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}}
	svc, err := search.Enable(gw, &search.Options{Embedder: emb, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mode := func(query string) (string, []string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		infos, res, err := svc.Search(ctx, query, 0)
		if err != nil {
			t.Fatalf("%q: %v", query, err)
		}
		var names []string
		for _, i := range infos {
			names = append(names, i.Name)
		}
		return res.Mode, names
	}
	testenv.WaitFor(t, "hybrid ranking", func() bool { m, _ := mode("weather forecast"); return m == search.ModeHybrid })
	if err := gw.AddTarget(context.Background(), toolgate.Funcs("tides",
		toolgate.Func("get_tides", "High and low tide times for a harbour.", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
	)); err != nil {
		t.Fatal(err)
	}
	// The warmer is held embedding the new tool; searches go on.
	for range 3 {
		if m, _ := mode("weather forecast"); m != search.ModeHybrid {
			t.Fatalf("while the new tool is embedded: %s, want hybrid on the vectors of before", m)
		}
	}
	close(release)
	testenv.WaitFor(t, "the new tool embedded", func() bool {
		m, names := mode("tide times at the harbour")
		return m == search.ModeHybrid && len(names) > 0 && names[0] == "tides___get_tides"
	})
}
