package mcpserver

import (
	"io"
	"testing"
)

// FuzzSSECounter feeds arbitrary server event streams, cut into reads of
// any size, through the counter: the bytes pass unchanged, and the count
// does not depend on how the stream was cut.
func FuzzSSECounter(f *testing.F) {
	f.Add([]byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"), uint8(3))
	f.Add([]byte("data: {\"method\":\ndata: \"notifications/message\"}\r\n\r\n"), uint8(1))
	f.Add([]byte("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n: comment\n\n"), uint8(7))
	f.Fuzz(func(t *testing.T, stream []byte, size uint8) {
		count := func(n int) int64 {
			l := &link{}
			r := &sseCounter{ReadCloser: io.NopCloser(&chunked{s: string(stream), n: n}), l: l}
			b, err := io.ReadAll(r)
			if err != nil || string(b) != string(stream) {
				t.Fatalf("reads of %d bytes changed the stream: %v", n, err)
			}
			return l.received.Load()
		}
		whole, cut := count(len(stream)+1), count(int(size)%16+1)
		if whole != cut {
			t.Fatalf("%d notifications counted whole, %d in reads of %d bytes", whole, cut, int(size)%16+1)
		}
	})
}
