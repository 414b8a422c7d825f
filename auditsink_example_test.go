package toolgate_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

// A part of an application that learns which tools are called, added to a
// running gateway: it counts each tool's failed calls.
func ExampleGateway_AddAuditSink() {
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	ctx := context.Background()
	err = gw.AddTarget(ctx, toolgate.Funcs("files",
		toolgate.Func("read", "Read a file", func(_ context.Context, in struct {
			Path string `json:"path"`
		}) (string, error) {
			return "", fmt.Errorf("%s: no such file", in.Path)
		})))
	if err != nil {
		log.Fatal(err)
	}

	failed := map[string]int{} // a sink runs on the call's goroutine: one call at a time here
	remove := gw.AddAuditSink(func(_ context.Context, rec *toolgate.AuditRecord) {
		fmt.Println(rec.Method, rec.Tool, rec.Outcome)
		if rec.Outcome != toolgate.OutcomeOK {
			failed[rec.Tool]++
		}
	})
	defer remove()

	_, _ = gw.Call(ctx, "files___read", []byte(`{"path":"/notes.txt"}`))
	fmt.Println("failed calls of files___read:", failed["files___read"])
	// Output:
	// tools/call files___read failed
	// failed calls of files___read: 1
}
