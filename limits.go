package toolgate

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"golang.org/x/time/rate"
)

// Rate is a token-bucket rate limit: PerSecond requests a second on
// average, in bursts of up to Burst (at least 1).
type Rate struct {
	PerSecond float64
	Burst     int
}

// TargetLimit overrides the gateway's guards for one target's calls. Zero
// fields keep the gateway's.
type TargetLimit struct {
	// MaxConcurrentCalls caps the target's calls running at once, in
	// place of the gateway's cap; negative for no cap.
	MaxConcurrentCalls int
	// CallTimeout bounds each of the target's calls; negative for none.
	CallTimeout time.Duration
}

// CodeThrottled is the JSON-RPC error code of a tool call refused by a rate
// limit; its data is {"retryAfterSeconds": n}.
const CodeThrottled = -32029

// limits are the guards of one target's calls, or the gateway's.
type limits struct {
	sem     chan struct{} // nil: no cap
	timeout time.Duration // <= 0: none
	owner   string        // who has the cap, for the refusal
}

// newTargetLimits builds the guards Options.TargetLimits names.
func newTargetLimits(o *Options, global limits) map[string]limits {
	if len(o.TargetLimits) == 0 {
		return nil
	}
	m := make(map[string]limits, len(o.TargetLimits))
	for name, tl := range o.TargetLimits {
		l := global
		switch {
		case tl.MaxConcurrentCalls > 0:
			l.sem = make(chan struct{}, tl.MaxConcurrentCalls)
			l.owner = fmt.Sprintf("target %q is", name)
		case tl.MaxConcurrentCalls < 0:
			l.sem = nil
		}
		if tl.CallTimeout != 0 {
			l.timeout = tl.CallTimeout
		}
		m[name] = l
	}
	return m
}

// limitsOf returns the guards of e's calls.
func (g *Gateway) limitsOf(e *entry) limits {
	if e.target != nil {
		if l, ok := g.targetLimits[e.info.Target]; ok {
			return l
		}
	}
	return g.limits
}

// throttleError refuses a request over a rate limit.
type throttleError struct {
	what  string
	retry time.Duration
}

func (e *throttleError) Error() string {
	return fmt.Sprintf("rate limit exceeded for %s; retry after %d s", e.what, retrySeconds(e.retry))
}

// As gives the JSON-RPC error a tool call over its limit gets.
func (e *throttleError) As(target any) bool {
	if p, ok := target.(**jsonrpc.Error); ok {
		*p = &jsonrpc.Error{Code: CodeThrottled, Message: e.Error(),
			Data: []byte(`{"retryAfterSeconds":` + strconv.Itoa(retrySeconds(e.retry)) + `}`)}
		return true
	}
	return false
}

// retrySeconds is d rounded up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// limiters hold one token bucket per key, made on first use. A bucket that
// has refilled is the same as a new one, so full buckets are dropped when
// the set grows past its sweep mark: memory follows the callers that are
// active, not every caller ever seen.
type limiters struct {
	r     Rate
	mu    sync.Mutex
	m     map[string]*rate.Limiter
	sweep int // sweep when len(m) reaches this
}

const minSweep = 1024

func newLimiters(r Rate) *limiters {
	if r.PerSecond <= 0 {
		return nil
	}
	if r.Burst < 1 {
		r.Burst = 1
	}
	return &limiters{r: r, m: make(map[string]*rate.Limiter), sweep: minSweep}
}

// allow takes a token from key's bucket, or says how long until one is
// there.
func (l *limiters) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	lim := l.m[key]
	if lim == nil {
		if len(l.m) >= l.sweep {
			l.sweepLocked(now)
		}
		lim = rate.NewLimiter(rate.Limit(l.r.PerSecond), l.r.Burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	if lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / l.r.PerSecond * float64(time.Second))
}

func (l *limiters) sweepLocked(now time.Time) {
	for k, lim := range l.m {
		if lim.TokensAt(now) >= float64(l.r.Burst) {
			delete(l.m, k)
		}
	}
	l.sweep = max(minSweep, 2*len(l.m))
}

// callerKey identifies the bucket of p calling from addr (host:port, ""
// in process): its identity, or an anonymous caller's IP address.
func callerKey(p *Principal, addr string) string {
	switch {
	case !p.Anonymous():
		return p.ID()
	case addr == "":
		return "in-process"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return "ip\x00" + host
}

// limitRequest applies PrincipalRate to an HTTP request, and reports how
// long the caller should wait when it is over the limit.
func (g *Gateway) limitRequest(p *Principal, r *http.Request) (bool, time.Duration) {
	if g.principalRate == nil {
		return true, 0
	}
	return g.principalRate.allow(callerKey(p, r.RemoteAddr), time.Now())
}

// limitTool applies ToolRates to a call of e by the caller in ctx.
func (g *Gateway) limitTool(ob *observation, e *entry) error {
	l := g.toolRates[e.info.Name]
	if l == nil {
		return nil
	}
	var p *Principal
	addr := ""
	if ob != nil {
		p = ob.p
		if ri := ob.origin(); ri != nil {
			addr = ri.remoteAddr
		}
	}
	ok, wait := l.allow(callerKey(p, addr), time.Now())
	if ok {
		return nil
	}
	ob.setOutcome(OutcomeThrottled, "tool rate limit")
	return &throttleError{what: fmt.Sprintf("tool %q", e.info.Name), retry: wait}
}

// writeThrottled answers an HTTP request over PrincipalRate: 429 with
// Retry-After and a JSON-RPC error body.
func writeThrottled(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
	writeJSONRPCError(w, http.StatusTooManyRequests, nil, CodeThrottled,
		(&throttleError{what: "this caller", retry: wait}).Error())
}
