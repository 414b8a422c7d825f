package search

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
)

// taughtLearner is a learner that has learned "umbrella" and "raincoat"
// for weather (from three callers and two) and voted "sunny" once.
func taughtLearner() *learner {
	l := newLearner(LearnOptions{}, 64)
	l.vote("weather", []string{"umbrella", "raincoat", "sunni"}, "alice")
	l.vote("weather", []string{"umbrella", "raincoat"}, "bob")
	l.vote("weather", []string{"umbrella"}, "carol")
	return l
}

// TestLearnFileRoundTrip: what is written reads back the same, and the
// same caller voting again after a read is still one caller.
func TestLearnFileRoundTrip(t *testing.T) {
	l := taughtLearner()
	var buf bytes.Buffer
	if _, err := l.write(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "alice") {
		t.Fatalf("a caller's identity in the file: %s", buf.String())
	}
	back := newLearner(LearnOptions{}, 64)
	if err := back.read(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.learned("weather"), []string{"umbrella", "raincoat"}) || back.salt != l.salt || back.pairs.all != l.pairs.all {
		t.Fatalf("read back %v (pairs %d)", back.learned("weather"), back.pairs.all)
	}
	if !maps.EqualFunc(back.votes["weather"], l.votes["weather"], slices.Equal) {
		t.Fatalf("votes %v, want %v", back.votes, l.votes)
	}
	if back.vote("weather", []string{"sunni"}, "alice") {
		t.Error("alice, read back, counted as a second caller")
	}
	if !back.vote("weather", []string{"sunni"}, "dave") {
		t.Error("a second caller's vote did not teach")
	}
}

// TestLearnFileBad: a file that is not one is refused with a reason and
// leaves the learner as it was; what passes the bounds is cut.
func TestLearnFileBad(t *testing.T) {
	salt := strings.Repeat("ab", 16)
	for _, tc := range []struct {
		name, file, err string
	}{
		{"not JSON", "toolgate", "not a learned-words file"},
		{"another version", `{"version":2,"salt":"` + salt + `","tools":{}}`, "version 2"},
		{"no salt", `{"version":1,"tools":{}}`, "salt"},
		{"a short salt", `{"version":1,"salt":"abcd","tools":{}}`, "salt"},
		{"a value of another type", `{"version":1,"salt":"` + salt + `","tools":{"t":{"votes":{"x":["a"]}}}}`, "not a learned-words file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := taughtLearner()
			err := l.read(strings.NewReader(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one saying %q", err, tc.err)
			}
			if !slices.Equal(l.learned("weather"), []string{"umbrella", "raincoat"}) {
				t.Errorf("the learner changed: %v", l.learned("weather"))
			}
		})
	}

	// Words without enough votes are not learned; callers past maxVoters
	// and words past the tool's bound are cut.
	var callers []string
	for i := range maxVoters + 4 {
		callers = append(callers, fmt.Sprint(i+1))
	}
	file := `{"version":1,"salt":"` + salt + `","tools":{"t":{"words":["a","b","c","a"],"votes":{"a":[` + strings.Join(callers, ",") + `],"b":[1],"c":[1,2]}}}}`
	l := newLearner(LearnOptions{}, 1)
	if err := l.read(strings.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	if got := l.learned("t"); !slices.Equal(got, []string{"a"}) {
		t.Errorf("learned %v, want [a] (b has one vote, the tool keeps one word)", got)
	}
	if n := len(l.votes["t"]["a"]); n != maxVoters {
		t.Errorf("%d callers kept", n)
	}
}

// FuzzLearnFile: reading any bytes never panics, and a file read writes
// back as one that reads the same.
func FuzzLearnFile(f *testing.F) {
	var buf bytes.Buffer
	if _, err := taughtLearner().write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"salt":"` + strings.Repeat("00", 16) + `","tools":{"":{"words":[""],"votes":{"":[]}}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l := newLearner(LearnOptions{}, 8)
		if l.read(bytes.NewReader(b)) != nil {
			return
		}
		var out bytes.Buffer
		if _, err := l.write(&out); err != nil {
			t.Fatal(err)
		}
		back := newLearner(LearnOptions{}, 8)
		if err := back.read(bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("written %s, not read: %v", out.Bytes(), err)
		}
		if !maps.EqualFunc(back.words, l.words, slices.Equal) || back.pairs.all != l.pairs.all {
			t.Fatalf("read back %v, want %v", back.words, l.words)
		}
	})
}

// TestLearnFileUnwritable: a learned-words file that cannot be written is
// a problem on the status page until a write succeeds.
func TestLearnFileUnwritable(t *testing.T) {
	ctx := context.Background()
	gw := forecastGateway(t)
	dir := t.TempDir()
	s, err := Enable(gw, &Options{Learn: &LearnOptions{MinCallers: 1}, LearnFile: filepath.Join(dir, "missing", "learned.json"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.sync()
	s.ix.Learn("umbrella", "weather___forecast", "alice")
	s.writeLearned(ctx)
	if p := s.status().Problems; len(p) != 1 || !strings.Contains(p[0], "writing the learned-words file failed") {
		t.Fatalf("problems %q", p)
	}
	if err := os.Mkdir(filepath.Join(dir, "missing"), 0o700); err != nil {
		t.Fatal(err)
	}
	s.writeLearned(ctx)
	if p := s.status().Problems; len(p) != 0 {
		t.Fatalf("after a write that succeeded, problems %q", p)
	}
}

// TestLearnWriter: the writer writes the file while callers teach, not
// when nothing was learned since.
func TestLearnWriter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw := forecastGateway(t)
	path := filepath.Join(t.TempDir(), "learned.json")
	s, err := Enable(gw, &Options{Learn: &LearnOptions{}, LearnFile: path, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.sync()
	done := make(chan struct{})
	go func() { s.learnWriter(ctx, 5*time.Millisecond); close(done) }()
	time.Sleep(30 * time.Millisecond)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("written with nothing learned")
	}
	s.ix.Learn("umbrella", "weather___forecast", "alice")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), "umbrella") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not written within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

// forecastGateway is a gateway of one tool, weather___forecast.
func forecastGateway(t *testing.T) *toolgate.Gateway {
	t.Helper()
	gw, err := toolgate.New(&toolgate.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	if err := gw.AddTarget(context.Background(), toolgate.Funcs("weather", toolgate.Func("forecast", "Weather forecasts", func(context.Context, struct{}) (string, error) { return "", nil }))); err != nil {
		t.Fatal(err)
	}
	return gw
}
