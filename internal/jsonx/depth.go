package jsonx

// MaxDepth is the deepest nesting of objects and arrays go-sdk reads.
const MaxDepth = 1000

// TooDeep reports whether objects and arrays in data nest deeper than
// MaxDepth, counting as go-sdk does (strings skipped). The fast path and the
// MCP-server target's lean decoder leave such input to go-sdk, which
// refuses it.
func TooDeep(data []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxDepth {
				return true
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return false
}
