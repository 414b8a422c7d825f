package config

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/toolgate/toolgate/credentials"
)

// lazy is a credential provider made on first use, so that building a
// target contacts no identity provider (a discovery document is read when
// the first call needs a token). A failed construction is tried again by
// the next call.
type lazy struct {
	desc string // what it is, without secrets
	acts bool   // whether it acts for the caller (credentials.CallerBound)
	own  *lazy  // for one that acts for the caller: the gateway's own, for requests made for no caller
	make func(context.Context) (credentials.Provider, error)

	mu sync.Mutex
	p  credentials.Provider
}

// lazyClientCredentials is the client credentials grant of cfg, made on
// first use.
func lazyClientCredentials(cfg credentials.ClientCredentialsConfig) *lazy {
	return &lazy{
		desc: fmt.Sprintf("OAuth2 client credentials of client %q at %s", cfg.ClientID, tokenURLOf(cfg.TokenURL, cfg.DiscoveryURL)),
		make: func(ctx context.Context) (credentials.Provider, error) {
			return credentials.NewClientCredentials(ctx, cfg)
		},
	}
}

// tokenURLOf names where a token endpoint is found.
func tokenURLOf(tokenURL, discoveryURL string) string {
	if tokenURL != "" {
		return tokenURL
	}
	return discoveryURL
}

func (l *lazy) get(ctx context.Context) (credentials.Provider, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p == nil {
		p, err := l.make(ctx)
		if err != nil {
			return nil, err
		}
		l.p = p
	}
	return l.p, nil
}

// Apply implements credentials.Provider.
func (l *lazy) Apply(ctx context.Context, req *http.Request) error {
	p, err := l.get(ctx)
	if err != nil {
		return err
	}
	return p.Apply(ctx, req)
}

// Rejected implements credentials.Rejecter.
func (l *lazy) Rejected(req *http.Request) {
	l.mu.Lock()
	p := l.p
	l.mu.Unlock()
	if r, ok := p.(credentials.Rejecter); ok {
		r.Rejected(req)
	}
}

// ActsForCaller implements credentials.CallerBound.
func (l *lazy) ActsForCaller() bool { return l.acts }

// String, GoString, Format and LogValue keep the configuration (which holds
// the client secret's source) to a description.
func (l *lazy) String() string { return l.desc }

// GoString implements fmt.GoStringer.
func (l *lazy) GoString() string { return l.String() }

// Format implements fmt.Formatter.
func (l *lazy) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, l.String()) }

// LogValue implements slog.LogValuer.
func (l *lazy) LogValue() slog.Value { return slog.StringValue(l.String()) }
