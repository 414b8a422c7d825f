package httpx

import "testing"

func TestRedactURLs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"no url here", "no url here"},
		{"plain https://example.com/mcp stays", "plain https://example.com/mcp stays"},
		{`Post "http://user:pw@h:8080/x?token=abc&b=1": refused`, `Post "http://REDACTED@h:8080/x?b=REDACTED&token=REDACTED": refused`},
		{"ghp_tok@ https://ghp_tok@github.com/a", "ghp_tok@ https://REDACTED@github.com/a"},
		{"two: http://a/?k=1 and https://b/?q=2.", "two: http://a/?k=REDACTED and https://b/?q=REDACTED"},
		{"broken ://x?k=1", "broken ://x?k=1"},
		{"bad escape http://h/?k=%zz", "bad escape http://h/?REDACTED"},
	} {
		if got := RedactURLs(tc.in); got != tc.want {
			t.Errorf("RedactURLs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
