package search_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

// A search tool that replaces another (a gateway rebuilt on reload) takes
// over its vectors when they are of the same model, and embeds only the
// tools they do not cover.
func TestServiceSeed(t *testing.T) {
	ctx := context.Background()
	moreTool := toolgate.Funcs("more", toolgate.Func("tide_table", "Tide tables of a harbour",
		func(context.Context, cityIn) (out, error) { return out{}, nil }))
	// enable enables the search tool on a gateway of the usual targets and
	// more, and waits until it ranks by vector.
	enable := func(t *testing.T, opts search.Options, more ...toolgate.Target) (*search.Service, *gatedEmbedder, *testenv.LockedBuffer) {
		t.Helper()
		gw := newGateway(t, toolgate.Options{})
		t.Cleanup(func() { _ = gw.Close() })
		for _, tg := range more {
			if err := gw.AddTarget(ctx, tg); err != nil {
				t.Fatal(err)
			}
		}
		emb := &gatedEmbedder{}
		logs := &testenv.LockedBuffer{}
		opts.Embedder = emb
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
		svc, err := search.Enable(gw, &opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.Close)
		testenv.WaitFor(t, "the catalogue embedded", func() bool {
			_, res, err := svc.Search(ctx, "forecast", 0)
			return err == nil && res.Mode == search.ModeHybrid
		})
		return svc, emb, logs
	}
	lexical, err := search.Enable(newGateway(t, toolgate.Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lexical.Close()
	seed, seedEmb, _ := enable(t, search.Options{VectorModel: "fake-64"})
	tools := textCount(seedEmb) - 1 // the search's own request

	for _, tc := range []struct {
		name  string
		seed  *search.Service
		model string
		texts int    // embedded by the new one, the request included
		log   string // in its log
	}{
		{"the same model", seed, "fake-64", 1 + 1, "vectors taken over from the search tool replaced"},
		{"another model", seed, "fake-32", tools + 1 + 1, "used another model"},
		{"no model named", seed, "", tools + 1 + 1, "used another model"},
		{"a lexical search tool", lexical, "fake-64", tools + 1 + 1, "had no vectors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, emb, logs := enable(t, search.Options{VectorModel: tc.model, Seed: tc.seed}, moreTool)
			if got := textCount(emb); got != tc.texts {
				t.Errorf("%d texts embedded, want %d", got, tc.texts)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("the log lacks %q:\n%s", tc.log, logs)
			}
		})
	}

	// A seed still embedding: the new one waits for it, then takes it all.
	held, holding, release := heldEmbedder()
	busy, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Embedder: held, VectorModel: "fake-64", Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	<-holding
	gw := newGateway(t, toolgate.Options{})
	defer gw.Close()
	emb := &gatedEmbedder{}
	next, err := search.Enable(gw, &search.Options{Embedder: emb, VectorModel: "fake-64", Seed: busy, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	release()
	testenv.WaitFor(t, "the catalogue of the next one ready", func() bool {
		_, res, err := next.Search(ctx, "forecast", 0)
		return err == nil && res.Mode == search.ModeHybrid
	})
	if got := textCount(emb); got != 1 {
		t.Errorf("after waiting for the seed: %d texts embedded, want 1 (the request)", got)
	}

	// Closed while it waits for a seed that never ends: no hang.
	stuck, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Embedder: &gatedEmbedder{gate: func(ctx context.Context, texts []string) error {
		<-ctx.Done()
		return ctx.Err()
	}}, VectorModel: "fake-64", Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	waiting, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Embedder: &gatedEmbedder{}, VectorModel: "fake-64", Seed: stuck, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	waiting.Close()
}

// TestServiceSeedChain: replaced twice in quick succession, the second
// replacement before the first had taken over (it waited for the original's
// first embedding, and was closed meanwhile): the third takes the
// original's vectors through it and embeds only its request. It fails when
// takeOver does not follow the chain.
func TestServiceSeedChain(t *testing.T) {
	ctx := context.Background()
	held, holding, release := heldEmbedder()
	first, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Embedder: held, VectorModel: "fake-64", Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	<-holding // its first embedding under way

	second, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Embedder: &gatedEmbedder{}, VectorModel: "fake-64", Seed: first, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	second.Close() // replaced while it waits for first

	gw := newGateway(t, toolgate.Options{})
	defer gw.Close()
	emb := &gatedEmbedder{}
	logs := &testenv.LockedBuffer{}
	third, err := search.Enable(gw, &search.Options{Embedder: emb, VectorModel: "fake-64", Seed: second, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	release()
	testenv.WaitFor(t, "the third's catalogue ready", func() bool {
		_, res, err := third.Search(ctx, "forecast", 0)
		return err == nil && res.Mode == search.ModeHybrid
	})
	if got := textCount(emb); got != 1 {
		t.Errorf("%d texts embedded, want 1 (the request): the vectors did not come through the second", got)
	}
	if !strings.Contains(logs.String(), "vectors taken over") {
		t.Errorf("the log:\n%s", logs)
	}
}

// heldEmbedder holds each call for tools (more than one text) until
// release is called, and says on holding when it holds one.
func heldEmbedder() (emb *gatedEmbedder, holding <-chan struct{}, release func()) {
	released, held := make(chan struct{}), make(chan struct{}, 1)
	emb = &gatedEmbedder{gate: func(ctx context.Context, texts []string) error {
		if len(texts) > 1 {
			select {
			case held <- struct{}{}:
			default:
			}
			select {
			case <-released:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}}
	return emb, held, func() { close(released) }
}
