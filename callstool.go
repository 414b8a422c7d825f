package toolgate

import (
	"encoding/json"

	"github.com/toolgate/toolgate/internal/jsonx"
)

// A tool that declares Tool.CallsTool calls, within its call, the tool
// one of its arguments names. As to the caller's session its call is
// that tool's: the fast path leaves it to go-sdk, or answers it with a
// stream of its own, as it would a direct call of the tool named, and the
// Session built for it is the one the call made within shares
// (nestedSession). The name is read from the arguments for that, without
// allocating, only for such a tool.

// sessionEntry returns the entry whose use of the caller's session a call
// of e with args has: the tool args name under e's Tool.CallsTool when e
// does not use the session itself, e otherwise (nil for nil). One level:
// a tool named that calls tools in turn is taken as it declares itself.
func (c *catalog) sessionEntry(e *entry, args json.RawMessage) *entry {
	if e == nil || e.prep.tool.CallsTool == "" || e.prep.tool.UsesSession {
		return e
	}
	if name, ok := jsonx.StringField(args, e.prep.tool.CallsTool); ok {
		if named := c.byName[string(name)]; named != nil {
			return named
		}
	}
	return e
}
