package jsonx

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// StringField returns the value of the string property key of the JSON
// object data, as decoding data into a map[string]json.RawMessage and
// that property into a string would (the last of duplicate keys), and
// whether there is one. It is meant for a hot path: for a value and keys
// without escapes it allocates nothing, and the value then shares data's
// bytes. For data that is not valid JSON the answer means nothing.
func StringField(data []byte, key string) ([]byte, bool) {
	var val []byte
	found := false
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] == '"' {
		end := stringEnd(data, i)
		if end < 0 {
			return nil, false
		}
		k := data[i : end+1]
		i = skipSpace(data, end+1)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		vEnd := valueEnd(data, i)
		if vEnd < 0 {
			return nil, false
		}
		if keyIs(k, key) {
			val, found = stringValue(data[i:vEnd])
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return val, found
}

// keyIs reports whether the quoted key k is key.
func keyIs(k []byte, key string) bool {
	if plainString(k) {
		return string(k[1:len(k)-1]) == key
	}
	var s string
	return json.Unmarshal(k, &s) == nil && s == key
}

// stringValue returns the string the JSON value v holds, if it is one.
func stringValue(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	if plainString(v) {
		return v[1 : len(v)-1], true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// plainString reports whether the quoted string q reads as its bytes: no
// escapes, and valid UTF-8 (encoding/json reads invalid bytes as U+FFFD).
func plainString(q []byte) bool {
	return bytes.IndexByte(q, '\\') < 0 && utf8.Valid(q)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index of the quote that closes the string opened
// at data[i], or -1.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

// valueEnd returns the index just past the JSON value that begins at
// data[i], or -1 when it does not end.
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		if end := stringEnd(data, i); end >= 0 {
			return end + 1
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end := stringEnd(data, j)
				if end < 0 {
					return -1
				}
				j = end
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ' ' && data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
		j++
	}
	return j
}
