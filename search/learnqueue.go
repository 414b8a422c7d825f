package search

import (
	"context"
	"maps"
	"slices"
	"sync"
)

// The search tool applies learned words off the call path: a call counts
// its caller's vote (microseconds) and, when a tool's learned words
// changed, queues the tool; a goroutine indexes the queued tools, one
// refresh of the index's statistics for all of them (milliseconds at
// 10,000 tools), and searches find the words once it has.

// learnQueue holds the tools whose learned words changed since they were
// last indexed.
type learnQueue struct {
	mu    sync.Mutex
	tools map[string]struct{}
	kick  chan struct{} // one pending wake-up at most
}

func newLearnQueue() *learnQueue {
	return &learnQueue{tools: map[string]struct{}{}, kick: make(chan struct{}, 1)}
}

// add queues tool and wakes the applier.
func (q *learnQueue) add(tool string) {
	q.mu.Lock()
	q.tools[tool] = struct{}{}
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// take returns the queued tools, in order, and empties the queue.
func (q *learnQueue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	tools := slices.Sorted(maps.Keys(q.tools))
	clear(q.tools)
	return tools
}

// learnApplier indexes the queued tools' learned words until ctx ends.
func (s *Service) learnApplier(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.learnQ.kick:
			if tools := s.learnQ.take(); len(tools) > 0 {
				s.ix.applyLearned(tools)
			}
		}
	}
}
