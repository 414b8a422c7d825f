// Package httpx holds what the HTTP-calling parts share: the one retry
// after a transport failure, the bounded excerpt of a response body that
// error results quote (openapi, smithy), the redaction of URLs in error
// texts (the status page, mcpserver) and the pooled default transport
// (credentials.Client, mcpserver), which sends small plain-HTTP requests
// itself (inline.go).
package httpx

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// RetryDelay is the pause before a request is sent again.
const RetryDelay = 100 * time.Millisecond

// Do sends req with c. When the transport fails (no response arrived),
// retry is set and ctx is still live, it waits RetryDelay and sends the
// request rebuild returns once more: retry only what may be applied twice
// (idempotent or read-only operations), since a failed request may have
// been applied already. Do returns the request that was sent last.
func Do(ctx context.Context, c *http.Client, req *http.Request, retry bool, rebuild func() (*http.Request, error)) (*http.Request, *http.Response, error) {
	resp, err := c.Do(req)
	if err == nil || !retry || ctx.Err() != nil {
		return req, resp, err
	}
	select {
	case <-ctx.Done():
		return req, nil, err
	case <-time.After(RetryDelay):
	}
	again, rerr := rebuild()
	if rerr != nil {
		return req, nil, err // the first failure is the one to report
	}
	resp, err = c.Do(again)
	return again, resp, err
}

// ExcerptLen is the most bytes of a body an excerpt shows.
const ExcerptLen = 2048

// Excerpt returns a body for an error message: trimmed, at most ExcerptLen
// bytes cut at a rune boundary and followed by the full size when longer.
// A body that is neither known to be text nor valid UTF-8 is given by its
// size only, as so many bytes of what ("binary data" if empty).
func Excerpt(data []byte, text bool, what string) string {
	if len(data) == 0 {
		return ""
	}
	if !text && !utf8.Valid(data) {
		if what == "" {
			what = "binary data"
		}
		return fmt.Sprintf("(%d bytes of %s)", len(data), what)
	}
	s := strings.TrimSpace(string(data))
	if len(s) <= ExcerptLen {
		return s
	}
	cut := ExcerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes in all)", len(data))
}
