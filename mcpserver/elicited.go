package mcpserver

import (
	"sync"

	"github.com/toolgate/toolgate"
)

// maxElicitations bounds the URL-mode elicitations a link remembers: a
// server that never completes them cannot grow the table.
const maxElicitations = 256

// elicitations remember whose caller each URL-mode elicitation relayed on
// a link went to, by its elicitationId, so that the server's
// notifications/elicitation/complete reaches that caller, whatever else
// runs on the link when it comes. The oldest is forgotten first.
type elicitations struct {
	mu    sync.Mutex
	by    map[string]*toolgate.Session
	order []string // ids in the order put, oldest first
}

// put remembers that the elicitation id went to s.
func (e *elicitations) put(id string, s *toolgate.Session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.by == nil {
		e.by = map[string]*toolgate.Session{}
	}
	if _, ok := e.by[id]; !ok {
		if len(e.order) == maxElicitations {
			delete(e.by, e.order[0])
			e.order = e.order[1:]
		}
		e.order = append(e.order, id)
	}
	e.by[id] = s
}

// take returns the session the elicitation id went to, and forgets it;
// nil if unknown.
func (e *elicitations) take(id string) *toolgate.Session {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.by[id]
	if !ok {
		return nil
	}
	delete(e.by, id)
	for i, x := range e.order {
		if x == id {
			e.order = append(e.order[:i], e.order[i+1:]...)
			break
		}
	}
	return s
}
