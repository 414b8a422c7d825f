package httpx

import "net/http"

// IdleConnsPerHost is how many idle connections to one host the transports
// of NewTransport keep for reuse.
const IdleConnsPerHost = 64

// NewTransport returns a transport of its own with http.DefaultTransport's
// configuration but IdleConnsPerHost idle connections per host (the
// default keeps 2, so concurrent calls of one backend would open and close
// a connection each): the transport of a target's client when its options
// give none. It sends plain-HTTP requests itself, in the caller's
// goroutine (see inline), and the rest with an http.Transport.
func NewTransport() http.RoundTripper {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport // replaced by the program: use it as it is
	}
	t := dt.Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	if t.MaxIdleConns != 0 && t.MaxIdleConns < IdleConnsPerHost {
		t.MaxIdleConns = IdleConnsPerHost
	}
	return &inline{std: t}
}
