// Command backend is the demo REST API behind examples/config/gateway.yaml:
// notes kept in memory, described by ../notes-openapi.yaml, answering only
// requests that carry the API key in X-Api-Key.
//
//	NOTES_API_KEY=demo-key go run ./examples/config/backend
//
// Environment:
//
//	NOTES_API_KEY  the key callers must send; required
//	NOTES_ADDR     listen address; default 127.0.0.1:8081 (the spec's server)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type note struct {
	ID    int      `json:"id"`
	Title string   `json:"title"`
	Text  string   `json:"text,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

type store struct {
	mu    sync.Mutex
	next  int
	notes map[int]note
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "backend:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	key := os.Getenv("NOTES_API_KEY")
	if key == "" {
		return errors.New("set NOTES_API_KEY: the key callers must send in X-Api-Key")
	}
	addr := os.Getenv("NOTES_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	s := &store{next: 1, notes: map[int]note{}}
	s.add(note{Title: "Welcome", Text: "Notes written through toolgate land here.", Tags: []string{"demo"}})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
		tag := r.URL.Query().Get("tag")
		s.mu.Lock()
		list := []note{}
		for _, n := range s.notes {
			if tag == "" || slices.Contains(n.Tags, tag) {
				list = append(list, n)
			}
		}
		s.mu.Unlock()
		slices.SortFunc(list, func(a, b note) int { return a.ID - b.ID })
		reply(w, http.StatusOK, list)
	})
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		var n note
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&n); err != nil || n.Title == "" {
			reply(w, http.StatusBadRequest, map[string]string{"error": "a note needs a title"})
			return
		}
		reply(w, http.StatusCreated, s.add(n))
	})
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		s.mu.Lock()
		n, ok := s.notes[id]
		s.mu.Unlock()
		if !ok {
			reply(w, http.StatusNotFound, map[string]string{"error": "no such note"})
			return
		}
		reply(w, http.StatusOK, n)
	})
	mux.HandleFunc("DELETE /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		s.mu.Lock()
		_, ok := s.notes[id]
		delete(s.notes, id)
		s.mu.Unlock()
		if !ok {
			reply(w, http.StatusNotFound, map[string]string{"error": "no such note"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != key {
			reply(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong X-Api-Key"})
			return
		}
		mux.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("notes API at http://%s (send X-Api-Key)\n", ln.Addr())
	srv := &http.Server{Handler: guarded, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func (s *store) add(n note) note {
	s.mu.Lock()
	defer s.mu.Unlock()
	n.ID = s.next
	s.next++
	s.notes[n.ID] = n
	return n
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
