package search

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toolgate/toolgate"
)

// serviceState is what the search tool's status section reports beyond
// its index and vectors.
type serviceState struct {
	searches, hybrid atomic.Uint64 // searches answered, and those ranked hybrid

	mu           sync.Mutex
	warmErr      error // the warmer's last failure; nil once it succeeds
	warmFailures int   // in a row
	writeErr     error // writing the vectors file; nil once it succeeds
	learnErr     error // writing the learned-words file; nil once it succeeds
}

func (st *serviceState) warmed(err error, failures int) {
	st.mu.Lock()
	st.warmErr, st.warmFailures = err, failures
	st.mu.Unlock()
}

// wrote records how the last write of a kept file ended: of the vectors
// file (&st.writeErr) or the learned-words file (&st.learnErr).
func (st *serviceState) wrote(file *error, err error) {
	st.mu.Lock()
	*file = err
	st.mu.Unlock()
}

// status is the search tool's section of the gateway's status page (see
// toolgate.Gateway.AddStatusSection): how it ranks now and why, the tools
// indexed and embedded, the searches answered, and what fails.
func (s *Service) status() toolgate.StatusSection {
	sec := toolgate.StatusSection{Name: "search", Title: "Search"}
	add := func(name, label, value string) {
		sec.Items = append(sec.Items, toolgate.StatusItem{Name: name, Label: label, Value: value})
	}
	h := s.hybrid // nil without an embedder
	tools := s.ix.Len()
	embedded := 0
	var wait time.Duration
	var lastErr error
	if h != nil {
		embedded = h.embeddedTools()
		wait, lastErr = h.backingOff()
	}

	add("tool", "Search tool", s.opts.ToolName)
	if s.opts.CallTool {
		add("call_tool", "Call tool", s.opts.CallToolName)
	}
	switch {
	case h == nil:
		add("ranking", "Ranking", "lexical (no embedder)")
	case wait > 0:
		add("ranking", "Ranking", "lexical until the embedder answers again (tried in "+roundWait(wait)+")")
		sec.Problems = append(sec.Problems, fmt.Sprintf("the embedder failed: %v; searches are ranked lexically until it answers (tried again in %s)", lastErr, roundWait(wait)))
	case embedded == 0 && tools > 0:
		add("ranking", "Ranking", "lexical while the catalogue's tools are embedded")
	default:
		add("ranking", "Ranking", ModeHybrid)
	}
	if e, ok := s.opts.Embedder.(*OpenAIEmbedder); ok && e.Model != "" {
		add("model", "Embedding model", e.Model)
	}
	indexed := strconv.Itoa(tools)
	if h == nil && s.dirty.Load() { // the warmer syncs a hybrid index at once
		indexed += " (the catalogue changed since: indexed at the next search)"
	}
	add("tools", "Tools indexed", indexed)
	if h != nil {
		add("tools_embedded", "Tools embedded", strconv.Itoa(embedded))
	}
	add("searches", "Searches", strconv.FormatUint(s.st.searches.Load(), 10))
	if h != nil {
		add("hybrid_searches", "Ranked hybrid", strconv.FormatUint(s.st.hybrid.Load(), 10))
	}
	if h != nil && h.requests != nil { // its counts, not the metrics': those are optional
		hits := h.requests.hits.Load()
		add("request_cache", "Request texts from the cache", fmt.Sprintf("%d of %d", hits, hits+h.requests.misses.Load()))
	}
	if s.opts.VectorFile != "" {
		add("vector_file", "Vectors file", s.opts.VectorFile)
	}
	s.followStatus(add)

	s.st.mu.Lock()
	warmErr, failures, writeErr, learnErr := s.st.warmErr, s.st.warmFailures, s.st.writeErr, s.st.learnErr
	s.st.mu.Unlock()
	if warmErr != nil {
		p := fmt.Sprintf("embedding the catalogue failed (%d in a row)", failures)
		if wait <= 0 || lastErr == nil || lastErr.Error() != warmErr.Error() { // else the problem above says why
			p += fmt.Sprintf(": %v", warmErr)
		}
		p += fmt.Sprintf("; %d of %d tools embedded", embedded, tools)
		if r := h.opts.RetryAfter; r > 0 {
			p += "; tried again every " + roundWait(r)
		} else {
			p += "; tried again at the catalogue's next change"
		}
		sec.Problems = append(sec.Problems, p)
	}
	if writeErr != nil {
		sec.Problems = append(sec.Problems, fmt.Sprintf("writing the vectors file failed: %v", writeErr))
	}
	if learnErr != nil {
		sec.Problems = append(sec.Problems, fmt.Sprintf("writing the learned-words file failed: %v", learnErr))
	}
	return sec
}

// followStatus adds what sessions called after their searches (see
// followups): the share of the tools called that the search before had
// returned, how often a session searched again before calling anything,
// the tools most often called without having been returned, whose
// descriptions may not say what callers ask for, and those most often
// returned first and passed over for others of the answer, whose
// descriptions may say more than they do.
func (s *Service) followStatus(add func(name, label, value string)) {
	c, missed, passed := s.follow.snapshot(maxMissedShown)
	if c.calls == 0 {
		add("calls_after_search", "Tools called after a search", "none yet (followed per MCP session, or per caller where there are none)")
	} else {
		add("calls_after_search", "Tools called after a search", fmt.Sprintf("%d, %s of them returned by it (%s first, %s in its first five)",
			c.calls, percent(c.returned, c.calls), percent(c.first, c.calls), percent(c.top5, c.calls)))
	}
	add("searched_again", "Searched again before a call", fmt.Sprintf("%d of %d searches", c.searchAgain, c.searches))
	if len(missed) > 0 {
		add("called_not_returned", "Called, not returned by the search before", strings.Join(missed, ", "))
	}
	if len(passed) > 0 {
		add("first_not_called", "Returned first, others of the answer called", strings.Join(passed, ", "))
	}
	if l := s.ix.learner(); l != nil {
		words, tools := l.counts()
		add("learned", "Learned from callers", plural(words, "word")+" for "+plural(tools, "tool"))
	}
}

// maxMissedShown is how many tools called without having been returned
// the status page names.
const maxMissedShown = 5

// plural shows n things: "1 word", "3 words".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// percent shows n of total as a whole percentage.
func percent(n, total uint64) string {
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(total))
}

// roundWait shows a wait to the second (at least one).
func roundWait(d time.Duration) string {
	return max(d.Round(time.Second), time.Second).String()
}
