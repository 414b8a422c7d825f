package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/toolgate/toolgate"
)

// What a session calls after a search: the search tool's quality on the
// gateway's own catalogue and callers, with no labelled requests. Each
// search of an MCP session is remembered (the tools it returned, in order)
// until the session searches again or followWindow passes; each tool of
// the catalogue the session then calls is counted once for that search, at
// its rank in the answer or as not returned. A session that searches again
// before calling anything counts a search again: often one whose answer did
// not hold the tool wanted. Only tool names are kept, never a request's
// text. Calls in process (Gateway.Call) and in stateless mode have no
// session, and are not followed.

// followWindow is how long a search's answer is held for the calls after
// it: an agent calls what it found within seconds, a minute at most.
const followWindow = 10 * time.Minute

// maxFollowed bounds the sessions followed at once (about 1 KB each).
const maxFollowed = 10000

// maxCalledPerSearch bounds the distinct tools counted after one search.
const maxCalledPerSearch = 32

// Rank classes of a tool called after a search, as the metric and the
// status page name them.
const (
	rankFirst   = "1"
	rankTop5    = "2-5"
	rankLater   = "6+"
	rankMissing = "none" // not among the search's results
)

// followups follows the sessions' searches. The zero value is ready.
type followups struct {
	mu       sync.Mutex
	sessions map[string]*followed
	counts   followCounts
	missed   map[string]int // tools called that the search before did not return
}

// followed is a session's last search.
type followed struct {
	tools  []string // returned, in order
	called []string // distinct tools called since
	at     time.Time
}

// followCounts are the counts the status page shows.
type followCounts struct {
	searches    uint64 // searches of sessions
	searchAgain uint64 // of those, followed by another search before any call
	calls       uint64 // tools called after a search, each once per search
	first, top5 uint64 // of those, returned first; returned in the first five
	returned    uint64 // returned at any rank
}

// searched remembers session's search, which returned tools, at now.
func (f *followups) searched(session string, tools []string, now time.Time) {
	if session == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts.searches++
	prev := f.sessions[session]
	if prev != nil && len(prev.called) == 0 && now.Sub(prev.at) <= followWindow {
		f.counts.searchAgain++
	}
	if prev == nil {
		if f.sessions == nil {
			f.sessions = make(map[string]*followed)
		}
		if len(f.sessions) >= maxFollowed {
			f.evict(now)
		}
		prev = &followed{}
		f.sessions[session] = prev
	}
	*prev = followed{tools: tools, called: prev.called[:0], at: now}
}

// evict drops the searches older than followWindow or, if none is, the
// oldest. The caller holds f.mu.
func (f *followups) evict(now time.Time) {
	var oldest string
	var at time.Time
	for id, s := range f.sessions {
		if now.Sub(s.at) > followWindow {
			delete(f.sessions, id)
			continue
		}
		if oldest == "" || s.at.Before(at) {
			oldest, at = id, s.at
		}
	}
	if len(f.sessions) >= maxFollowed {
		delete(f.sessions, oldest)
	}
}

// called counts session's call of tool after its last search, and returns
// the rank class it was counted in ("" when it was not counted: no search
// to follow, or the tool already counted for it).
func (f *followups) called(session, tool string, now time.Time) string {
	if session == "" {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[session]
	if s == nil || now.Sub(s.at) > followWindow || slices.Contains(s.called, tool) || len(s.called) >= maxCalledPerSearch {
		return ""
	}
	s.called = append(s.called, tool)
	f.counts.calls++
	rank := slices.Index(s.tools, tool) + 1
	switch {
	case rank == 0:
		if f.missed == nil {
			f.missed = make(map[string]int)
		}
		if _, ok := f.missed[tool]; ok || len(f.missed) < maxFollowed {
			f.missed[tool]++
		}
		return rankMissing
	case rank == 1:
		f.counts.first++
		f.counts.top5++
		f.counts.returned++
		return rankFirst
	case rank <= 5:
		f.counts.top5++
		f.counts.returned++
		return rankTop5
	default:
		f.counts.returned++
		return rankLater
	}
}

// snapshot returns the counts and the n tools most often called without
// being returned, most first ("name (count)").
func (f *followups) snapshot(n int) (followCounts, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.counts
	type miss struct {
		tool  string
		times int
	}
	var ms []miss
	for t, k := range f.missed {
		ms = append(ms, miss{t, k})
	}
	slices.SortFunc(ms, func(a, b miss) int {
		return cmp.Or(cmp.Compare(b.times, a.times), strings.Compare(a.tool, b.tool))
	})
	var top []string
	for _, m := range ms[:min(n, len(ms))] {
		top = append(top, fmt.Sprintf("%s (%d)", m.tool, m.times))
	}
	return c, top
}

// observeCall is the search tool's audit sink: a call of a tool of the
// catalogue, in a session, follows the session's last search, whatever
// came of it (a call with invalid arguments still names the tool the
// caller chose). Calls refused by policy are not followed: among them are
// those of a tool the ToolFilter hides from the caller, which no search
// of the caller's could have returned. Nor are the search and call tools'
// own calls (call_tool counts the tool it calls itself: its inner call
// has no session).
func (s *Service) observeCall(ctx context.Context, rec *toolgate.AuditRecord) {
	if rec.Method != "tools/call" || rec.SessionID == "" || rec.Outcome == toolgate.OutcomeRefusedPolicy ||
		rec.Tool == s.opts.ToolName || (s.opts.CallTool && rec.Tool == s.opts.CallToolName) {
		return
	}
	s.followCall(ctx, rec.SessionID, rec.Tool)
}

// followCall counts session's call of tool, if it is a tool of the
// catalogue.
func (s *Service) followCall(ctx context.Context, session, tool string) {
	if session == "" || !s.ix.has(tool) {
		return
	}
	if rank := s.follow.called(session, tool, time.Now()); rank != "" {
		s.metrics.followed(ctx, rank)
	}
}
