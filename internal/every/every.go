// Package every runs work at a fixed interval in the background: the
// keys a JWT authorizer refreshes, the learned-words file the search tool
// writes, the idle sessions an MCP server target closes.
package every

import (
	"context"
	"time"
)

// Run calls f(ctx) every d until ctx is done, the first time d after it
// starts. A call that takes longer than d delays the next; ticks are not
// queued.
func Run(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}
