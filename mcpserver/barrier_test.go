package mcpserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestSSECounter: the relayed notifications of an SSE stream are counted
// however the stream is cut into reads.
func TestSSECounter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream string
		want   int64
	}{
		{"progress and log", "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n" +
			"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n", 2},
		{"CRLF", "data: {\"method\":\"notifications/progress\"}\r\n\r\n", 1},
		{"data over two lines", "data: {\"method\":\ndata: \"notifications/message\"}\n\n", 1},
		{"a response", "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"notifications/progress\"}]}}\n\n", 0},
		{"a request", "data: {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"notifications/message\"}\n\n", 0},
		{"other notifications", "data: {\"method\":\"notifications/tools/list_changed\"}\n\n", 0},
		{"an unfinished event", "data: {\"method\":\"notifications/progress\"}\n", 0},
		{"not JSON", "data: notifications/progress\n\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for size := 1; size <= len(tc.stream); size++ {
				l := &link{}
				r := &sseCounter{ReadCloser: io.NopCloser(&chunked{s: tc.stream, n: size}), l: l}
				b, err := io.ReadAll(r)
				if err != nil || string(b) != tc.stream {
					t.Fatalf("read %q, %v", b, err)
				}
				if got := l.received.Load(); got != tc.want {
					t.Fatalf("reads of %d bytes: %d counted, want %d", size, got, tc.want)
				}
			}
		})
	}
}

// TestSSECounterEndsRequests: in a call's stream, the server's requests
// the stream carried are cancelled just before the call's answer, however
// the stream is cut into reads; other streams pass unchanged.
func TestSSECounterEndsRequests(t *testing.T) {
	const (
		ask    = "id: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"sampling/createMessage\",\"params\":{}}\n\n"
		ask2   = "data: {\"jsonrpc\":\"2.0\",\"id\":\"e\",\"method\":\"elicitation/create\"}\r\n\r\n"
		answer = "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n"
		cancel = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":%s,\"reason\":\"the server answered the request this one belonged to\"}}\n\n"
	)
	for _, tc := range []struct {
		name         string
		call         bool
		stream, want string
	}{
		{"one request", true, ask + answer, ask + fmt.Sprintf(cancel, "7") + answer},
		{"two", true, ask + ask2 + answer, ask + ask2 + fmt.Sprintf(cancel, "7") + fmt.Sprintf(cancel, `"e"`) + answer},
		{"none", true, answer, answer},
		{"no answer", true, ask, ask},
		{"an unfinished answer", true, ask + strings.TrimSuffix(answer, "\n"), ask + strings.TrimSuffix(answer, "\n")},
		{"the standalone stream", false, ask + answer, ask + answer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for size := 1; size <= len(tc.stream); size++ {
				r := &sseCounter{ReadCloser: io.NopCloser(&chunked{s: tc.stream, n: size}), l: &link{}, call: tc.call}
				b, err := io.ReadAll(r)
				if err != nil || string(b) != tc.want {
					t.Fatalf("reads of %d bytes: %q, %v\nwant %q", size, b, err, tc.want)
				}
			}
		})
	}
}

// chunked reads s n bytes at a time.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

// TestDrainForgets: a notification that never reaches a handler delays one
// answer, not every later one.
func TestDrainForgets(t *testing.T) {
	l := &link{t: &Target{log: slog.New(slog.DiscardHandler)}, relayed: make(chan struct{})}
	l.received.Add(1) // read, never handled
	for i, want := range []time.Duration{maxDrain, 0} {
		start := time.Now()
		l.drain(context.Background())
		if took := time.Since(start); took < want || took > want+maxDrain/2 {
			t.Fatalf("drain %d took %v, want about %v", i, took, want)
		}
	}
	// Handled ones end the wait at once.
	l.received.Add(1)
	go l.handledOne()
	start := time.Now()
	l.drain(context.Background())
	if took := time.Since(start); took > maxDrain/2 {
		t.Fatalf("drain took %v", took)
	}
}
