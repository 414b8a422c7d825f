package toolgate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// DefaultSeparator joins a target's name and a tool's name, as AgentCore
// Gateway does: "weather___get_forecast".
const DefaultSeparator = "___"

// maxNameLen is MCP's limit on tool names.
const maxNameLen = 128

// validToolNameChar reports whether c may appear in an MCP tool name
// (A-Z, a-z, 0-9, '_', '-', '.').
func validToolNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// sanitizeName maps s onto MCP's tool-name alphabet: every other byte
// sequence becomes '_', runs of '_' made that way collapse into one, and an
// empty result becomes "tool".
func sanitizeName(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if !validToolNameChar(s[i]) {
			ok = false
			break
		}
	}
	if ok && s != "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	replaced := false
	for _, r := range s {
		if r < 0x80 && validToolNameChar(byte(r)) {
			b.WriteRune(r)
			replaced = false
			continue
		}
		if !replaced {
			b.WriteByte('_')
			replaced = true
		}
	}
	if b.Len() == 0 || strings.Trim(b.String(), "_") == "" {
		return "tool"
	}
	return b.String()
}

// validateTargetName checks a target name: 1-64 characters of
// A-Z, a-z, 0-9, '_', '-', not containing the separator sep (so that the
// part of a published name before the first separator is always its
// target, as AgentCore's target names, which cannot hold "___").
func validateTargetName(name, sep string) error {
	if name == "" {
		return fmt.Errorf("target name is empty")
	}
	if len(name) > 64 {
		return fmt.Errorf("target name %q is longer than 64 characters", name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !validToolNameChar(c) || c == '.' {
			return fmt.Errorf("target name %q has character %q; use A-Z, a-z, 0-9, '_' or '-'", name, c)
		}
	}
	if sep != "" && strings.Contains(name, sep) {
		return fmt.Errorf("target name %q contains the separator %q", name, sep)
	}
	return nil
}

// shortHash is a short, stable digest of the original (unsanitised) names.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:6]
}

// publishedName is the name a target's tool is published under: target,
// separator and sanitised tool name, shortened to max characters when it is
// longer. Shortening keeps the readable head of the name and appends a
// digest of the full original name, so it is stable across restarts and
// distinct tools stay distinct.
func publishedName(target, tool, sep string, max int) string {
	name := target + sep + sanitizeName(tool)
	if len(name) <= max {
		return name
	}
	suffix := "_" + shortHash(target, tool)
	return strings.TrimRight(name[:max-len(suffix)], "_-.") + suffix
}

// publish returns the name t's tool or prompt called own asks to be
// published under: prefixed with the target's name, unless the target is
// Unprefixed.
func (g *Gateway) publish(t Target, own string) string {
	if u, ok := t.(Unprefixed); ok && u.Unprefixed() {
		return publishedName("", own, "", g.opts.MaxNameLength)
	}
	return publishedName(t.Name(), own, g.opts.Separator, g.opts.MaxNameLength)
}

// withCounter returns name with a "_N" suffix, shortened to fit max.
func withCounter(name string, n, max int) string {
	suffix := "_" + strconv.Itoa(n)
	if len(name)+len(suffix) > max {
		name = name[:max-len(suffix)]
	}
	return name + suffix
}
