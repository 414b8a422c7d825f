package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// FuzzAuthorize feeds arbitrary Authorization headers and tokens to the
// JWT authorizer: it must never panic, never accept a token it did not
// see signed, and never echo the token in its error.
func FuzzAuthorize(f *testing.F) {
	is := newIssuer(f)
	j := newJWT(f, is, nil)
	valid := is.sign(f, "rsa-1", is.claims(map[string]any{"tenant": "acme"}))
	parts := strings.Split(valid, ".")
	for _, s := range []string{
		"Bearer " + valid,
		"Bearer " + parts[0] + "." + parts[1] + ".",
		"Bearer " + parts[0] + ".." + parts[2],
		"Bearer eyJhbGciOiJub25lIn0.e30.",
		"Bearer e30.e30.e30",
		"bearer  " + valid + "  ",
		"Basic Zm9vOmJhcg==",
		"Bearer",
		"Bearer a.b.c.d",
		"Bearer " + strings.Repeat("A", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hdr string) {
		r, _ := http.NewRequestWithContext(context.Background(), "POST", "http://gw.test/mcp", nil)
		r.Header.Set("Authorization", hdr)
		p, err := j.Authorize(r)
		if err == nil {
			if !strings.Contains(hdr, valid) {
				t.Fatalf("accepted %q as %v", hdr, p)
			}
			return
		}
		_, tok, _ := strings.Cut(strings.TrimSpace(hdr), " ")
		if tok = strings.TrimSpace(tok); len(tok) >= 12 && strings.Contains(err.Error(), tok) {
			t.Fatalf("error %q echoes the token", err)
		}
		for _, v := range err.(*Error).HTTPHeader()["Www-Authenticate"] {
			if len(tok) >= 12 && strings.Contains(v, tok) {
				t.Fatalf("challenge %q echoes the token", v)
			}
		}
	})
}
