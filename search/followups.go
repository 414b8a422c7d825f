package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
// text. A stateless gateway has no sessions: there the caller (its
// principal) stands for one, when it is not anonymous. The calls followed
// are those a caller chose: its own, and call_tool's on its behalf (see
// observeCall); not the application's (Gateway.Call) nor those a tool
// makes within its call.

// followKey is what a search and the calls after it are followed by: the
// MCP session or, without one (a stateless gateway), the caller's
// identity (Principal.ID), behind a byte no session id holds; "" (nothing
// followed) for an anonymous caller without a session.
func followKey(session string, p *toolgate.Principal) string {
	switch {
	case session != "":
		return session
	case p.Anonymous():
		return ""
	}
	return "\x00" + p.ID()
}

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

// followups follows the sessions' searches. The zero value is ready. It
// is on the path of every tool call, from callers on every core: a call
// reads its session's entry without a shared lock, and takes only that
// session's own.
type followups struct {
	sessions sync.Map     // session id -> *followed
	held     atomic.Int64 // entries in sessions
	evicting sync.Mutex   // one eviction at a time

	searches, searchAgain  atomic.Uint64 // searches of sessions; of those, followed by another before any call
	calls, first, top5, in atomic.Uint64 // tools called after a search; returned first, in the first five, at all

	missMu     sync.Mutex
	missed     map[string]int // tools called that the search before did not return
	passedOver map[string]int // tools a search returned first, when the session called others of its answer and not it
}

// followed is a session's last search.
type followed struct {
	mu     sync.Mutex
	tools  []string  // returned, in order
	called []string  // distinct tools called since
	learn  learnFrom // kept only when the service learns
	at     time.Time
}

// learnFrom is what a search leaves to learn from: its request, and the
// scope its caller teaches within (learnscope.go).
type learnFrom struct{ request, scope string }

// followCounts are the counts the status page shows.
type followCounts struct {
	searches, searchAgain uint64
	calls, first, top5    uint64
	returned              uint64 // returned at any rank
}

// searched remembers session's search, which returned tools, at now, and
// what to learn from it (empty when the service does not learn).
func (f *followups) searched(session string, tools []string, learn learnFrom, now time.Time) {
	if session == "" {
		return
	}
	v, ok := f.sessions.Load(session)
	if !ok {
		if f.held.Load() >= maxFollowed {
			f.evict(now)
		}
		if v, ok = f.sessions.LoadOrStore(session, &followed{}); !ok {
			f.held.Add(1)
		}
	}
	s := v.(*followed)
	s.mu.Lock()
	again := !s.at.IsZero() && len(s.called) == 0 && now.Sub(s.at) <= followWindow
	passed := passedOver(s.tools, s.called)
	s.tools, s.called, s.learn, s.at = tools, s.called[:0], learn, now
	s.mu.Unlock()
	f.searches.Add(1)
	if again {
		f.searchAgain.Add(1)
	}
	if passed != "" {
		f.missMu.Lock()
		f.passedOver = countTool(f.passedOver, passed)
		f.missMu.Unlock()
	}
}

// passedOver returns the tool a search returned first if the session
// then called others the search returned, and not it: a tool whose
// description matches requests it does not serve. "" otherwise.
func passedOver(tools, called []string) string {
	if len(tools) < 2 || slices.Contains(called, tools[0]) {
		return ""
	}
	for _, c := range called {
		if slices.Contains(tools[1:], c) {
			return tools[0]
		}
	}
	return ""
}

// countTool counts one more of tool in m (made if nil), up to maxFollowed
// tools.
func countTool(m map[string]int, tool string) map[string]int {
	if m == nil {
		m = make(map[string]int)
	}
	if _, ok := m[tool]; ok || len(m) < maxFollowed {
		m[tool]++
	}
	return m
}

// evict drops the searches older than followWindow or, if none is, the
// oldest. Searches made meanwhile may add a few sessions past the bound.
func (f *followups) evict(now time.Time) {
	f.evicting.Lock()
	defer f.evicting.Unlock()
	if f.held.Load() < maxFollowed {
		return // another eviction made room
	}
	var oldest any
	var at time.Time
	f.sessions.Range(func(id, v any) bool {
		s := v.(*followed)
		s.mu.Lock()
		t := s.at
		s.mu.Unlock()
		if now.Sub(t) > followWindow {
			if f.sessions.CompareAndDelete(id, v) {
				f.held.Add(-1)
			}
		} else if oldest == nil || t.Before(at) {
			oldest, at = id, t
		}
		return true
	})
	if f.held.Load() >= maxFollowed && oldest != nil {
		if _, ok := f.sessions.LoadAndDelete(oldest); ok {
			f.held.Add(-1)
		}
	}
}

// called counts session's call of tool after its last search, and returns
// the rank class it was counted in ("" when it was not counted: no search
// to follow, the tool already counted for it, or a tool the search did not
// return and known says is not one it could have), and what the search
// left to learn from. known is asked only then, so that the calls of a
// tool counted before cost a lookup and the session's own lock.
func (f *followups) called(session, tool string, now time.Time, known func(string) bool) (rank string, learn learnFrom) {
	if session == "" {
		return "", learnFrom{}
	}
	v, ok := f.sessions.Load(session)
	if !ok {
		return "", learnFrom{}
	}
	s := v.(*followed)
	s.mu.Lock()
	if now.Sub(s.at) > followWindow || slices.Contains(s.called, tool) || len(s.called) >= maxCalledPerSearch {
		s.mu.Unlock()
		return "", learnFrom{}
	}
	at := slices.Index(s.tools, tool) + 1
	if at == 0 && !known(tool) {
		s.mu.Unlock()
		return "", learnFrom{}
	}
	s.called = append(s.called, tool)
	learn = s.learn
	s.mu.Unlock()
	return f.count(tool, at), learn
}

// count counts a tool called after a search that returned it at rank
// (0: not returned), and returns the rank's class.
func (f *followups) count(tool string, rank int) string {
	f.calls.Add(1)
	switch {
	case rank == 0:
		f.missMu.Lock()
		f.missed = countTool(f.missed, tool)
		f.missMu.Unlock()
		return rankMissing
	case rank == 1:
		f.first.Add(1)
		f.top5.Add(1)
		f.in.Add(1)
		return rankFirst
	case rank <= 5:
		f.top5.Add(1)
		f.in.Add(1)
		return rankTop5
	default:
		f.in.Add(1)
		return rankLater
	}
}

// snapshot returns the counts, the n tools most often called without
// being returned and the n most often passed over (see passedOver), most
// first ("name (count)").
func (f *followups) snapshot(n int) (c followCounts, missed, passed []string) {
	c = followCounts{searches: f.searches.Load(), searchAgain: f.searchAgain.Load(),
		calls: f.calls.Load(), first: f.first.Load(), top5: f.top5.Load(), returned: f.in.Load()}
	f.missMu.Lock()
	defer f.missMu.Unlock()
	return c, mostCounted(f.missed, n), mostCounted(f.passedOver, n)
}

// mostCounted returns the n tools of m with the highest counts, most
// first, ties by name, as "name (count)".
func mostCounted(m map[string]int, n int) []string {
	type tc struct {
		tool  string
		times int
	}
	all := make([]tc, 0, len(m))
	for t, k := range m {
		all = append(all, tc{t, k})
	}
	slices.SortFunc(all, func(a, b tc) int {
		return cmp.Or(cmp.Compare(b.times, a.times), strings.Compare(a.tool, b.tool))
	})
	var top []string
	for _, x := range all[:min(n, len(all))] {
		top = append(top, fmt.Sprintf("%s (%d)", x.tool, x.times))
	}
	return top
}

// observeCall is the search tool's audit sink: a call of a tool of the
// catalogue follows the last search of its session (or, without one, of
// its caller), whatever came of it (a call with invalid arguments still
// names the tool the caller chose). Calls refused by policy are not
// followed: among them are those of a tool the ToolFilter hides from the
// caller, which no search of the caller's could have returned. Nor are
// the search and call tools' own calls: call_tool's is followed by the
// record of the call it makes within it (its Via), which carries the
// caller's session and address. Other calls made within a tool are the
// tool's doing, not the caller's choice, and the application's own calls
// have no caller to follow.
func (s *Service) observeCall(ctx context.Context, rec *toolgate.AuditRecord) {
	if rec.Method != "tools/call" || rec.Outcome == toolgate.OutcomeRefusedPolicy ||
		rec.Tool == s.opts.ToolName || s.isCallTool(rec.Tool) {
		return
	}
	if rec.Via != "" && !s.isCallTool(rec.Via) {
		return // made by a tool within its call
	}
	if rec.SessionID == "" && rec.RemoteAddr == "" {
		return // the application's own call (Gateway.Call)
	}
	p := toolgate.Principal{Issuer: rec.Issuer, Subject: rec.Subject, ClientID: rec.ClientID}
	s.followCall(ctx, rec.SessionID, &p, rec.Tool)
}

// isCallTool reports whether name is the call tool's.
func (s *Service) isCallTool(name string) bool {
	return s.opts.CallTool && name == s.opts.CallToolName
}

// followCall counts the call of tool in session by p, if it is a tool of
// the catalogue and follows a search (followKey), and, when the service
// learns, counts p's vote for the search's words for a tool the search did
// not return first. Anonymous callers teach nothing.
func (s *Service) followCall(ctx context.Context, session string, p *toolgate.Principal, tool string) {
	rank, learn := s.follow.called(followKey(session, p), tool, time.Now(), s.ix.has)
	if rank == "" {
		return
	}
	s.metrics.followed(ctx, rank)
	if learn.request != "" && rank != rankFirst && !p.Anonymous() && s.ix.teach(learn.scope, learn.request, tool, p.ID()) {
		s.learnQ.add(tool) // indexed off the call path (learnqueue.go)
	}
}
