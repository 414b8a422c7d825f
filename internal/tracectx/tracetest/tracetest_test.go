package tracetest

import (
	"net/http"
	"testing"

	"github.com/toolgate/toolgate/internal/tracectx"
)

// TestCheck: the traceparent InjectHeader writes for Start's span passes
// Check, and one of another span does not.
func TestCheck(t *testing.T) {
	ctx, sc := Start(t)
	h := http.Header{}
	tracectx.InjectHeader(ctx, h)
	Check(t, h.Get("Traceparent"), sc)

	_, other := Start(t)
	probe := &recorder{T: t}
	Check(probe, h.Get("Traceparent"), other)
	if probe.errors == 0 {
		t.Error("Check accepted the traceparent of another span")
	}
}

// recorder counts the errors Check reports instead of failing the test.
type recorder struct {
	*testing.T
	errors int
}

func (r *recorder) Errorf(string, ...any) { r.errors++ }
