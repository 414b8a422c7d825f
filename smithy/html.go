package smithy

import (
	"html"
	"strings"
)

// htmlToText turns the HTML of a @documentation trait into readable plain
// text: paragraphs and list items on their own lines, tags dropped,
// entities decoded, runs of spaces collapsed.
func htmlToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(collapse(s))
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			b.WriteString(s)
			break
		}
		tag := strings.ToLower(strings.TrimSpace(strings.Trim(s[1:j], "/ ")))
		closing := strings.HasPrefix(s, "</")
		if k := strings.IndexAny(tag, " \t\n"); k >= 0 {
			tag = tag[:k]
		}
		s = s[j+1:]
		switch tag {
		case "p", "div", "br", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "note", "important", "table", "tr":
			if !strings.HasSuffix(b.String(), "\n- ") { // a list item's first paragraph
				b.WriteString("\n\n")
			}
		case "li", "dt":
			if !closing {
				b.WriteString("\n- ")
			}
		case "dd":
			if !closing {
				b.WriteString(": ")
			}
		}
	}
	return tidy(html.UnescapeString(b.String()))
}

// collapse replaces runs of white space by one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// tidy collapses spaces within lines and keeps at most one blank line
// between paragraphs.
func tidy(s string) string {
	var out []string
	blank := false
	for _, line := range strings.Split(s, "\n") {
		line = collapse(line)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
