package search_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/toolgate/toolgate/search"
)

// closingServer answers embeddings requests over HTTP/1.1 keep-alive, but
// closes a connection, unanswered, when the second request arrives on it:
// as a server does whose idle timeout ends just as a client reuses the
// connection (Node.js closes idle connections after 5 s).
type closingServer struct {
	ln    net.Listener
	mu    sync.Mutex
	conns int
}

func newClosingServer(t *testing.T) *closingServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &closingServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
	return s
}

func (s *closingServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for n := 0; ; n++ {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		var body struct{ Input []string }
		err = json.NewDecoder(req.Body).Decode(&body)
		io.Copy(io.Discard, req.Body)
		if err != nil || n > 0 {
			return // the second request on a connection: closed unanswered
		}
		if _, ok := req.Header["Idempotency-Key"]; ok {
			fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 27\r\n\r\nIdempotency-Key on the wire")
			continue
		}
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i := range body.Input {
			data = append(data, item{i, []float32{1, float32(i)}})
		}
		out, _ := json.Marshal(map[string]any{"data": data})
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(out), out)
	}
}

// An embeddings request that meets a reused connection closed by the
// server is sent again on a new one: embedding is idempotent.
func TestOpenAIEmbedderStaleConnection(t *testing.T) {
	s := newClosingServer(t)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	e := &search.OpenAIEmbedder{BaseURL: "http://" + s.ln.Addr().String() + "/v1", HTTPClient: client}
	for i := range 3 {
		vecs, err := e.Embed(context.Background(), []string{"a", "b"})
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if len(vecs) != 2 || vecs[1][1] != 1 {
			t.Fatalf("call %d: vectors %v", i+1, vecs)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns != 3 {
		t.Fatalf("%d connections for 3 calls, want 3 (each reuse closed, each call sent again)", s.conns)
	}
}
