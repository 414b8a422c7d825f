package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	lambdago "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/toolgate/toolgate"
)

// NewInProcess returns a target that runs handler in this process, as the
// Lambda runtime would: handler is anything lambda.Start accepts (a
// function of one of its signatures, or a lambda.Handler). Each call gets
// a context carrying a lambdacontext.LambdaContext with the same client
// context a deployed function receives, and the deadline of
// Options.Timeout. Errors and panics become function errors, typed as the
// runtime types them.
//
// With Options.Timeout zero the handler runs on the calling goroutine,
// like a plain Go tool, and is trusted to honour its context's deadline
// (the gateway's call timeout). With a Timeout it runs on a goroutine of
// its own and the call returns a timeout result at the deadline, as Lambda
// does; a handler that ignores its context cannot be stopped, though, and
// runs on until it returns.
func NewInProcess(handler any, o *Options) (*Target, error) {
	t, err := newTarget(o, false)
	if err != nil {
		return nil, err
	}
	if err := t.inProcess(handler, o); err != nil {
		return nil, err
	}
	return t, nil
}

// inProcess makes t run handler in this process.
func (t *Target) inProcess(handler any, o *Options) error {
	if err := validateHandler(handler); err != nil {
		return fmt.Errorf("lambda: target %q: %w", t.name, err)
	}
	// aws-lambda-go's Handler.Invoke returns its response in a buffer
	// that it has already put back in its pool, for its next invocation
	// to overwrite. So each concurrent call gets a handler of its own,
	// from a pool, and copies the response before handing the handler
	// back. A handler aws-lambda-go built already (lambda.NewHandler) has
	// one buffer pool, so its calls run one at a time.
	if ht := reflect.TypeOf(handler); ht.Kind() == reflect.Pointer && ht.Elem().PkgPath() == reflect.TypeFor[lambdago.Option]().PkgPath() {
		h := handler.(lambdago.Handler)
		t.serial = &sync.Mutex{}
		t.handlers = &sync.Pool{New: func() any { return h }}
	} else {
		opts := o.HandlerOptions
		t.handlers = &sync.Pool{New: func() any { return lambdago.NewHandlerWithOptions(handler, opts...) }}
	}
	t.timeout = o.Timeout
	if strings.HasPrefix(o.Function, "arn:") {
		t.arn = o.Function
	}
	return nil
}

type answer struct {
	out []byte
	fe  *functionError
}

func (t *Target) invokeInProcess(ctx context.Context, payload []byte, custom map[string]string) *toolgate.Result {
	return t.answerResult(t.runInProcess(ctx, payload, custom))
}

// runInProcess runs the handler with payload as Lambda would: with a
// LambdaContext carrying custom as its client context, and a timeout.
func (t *Target) runInProcess(ctx context.Context, payload []byte, custom map[string]string) answer {
	start := time.Now()
	lc := &lambdacontext.LambdaContext{
		AwsRequestID:       newUUID(),
		InvokedFunctionArn: t.arn,
		ClientContext:      lambdacontext.ClientContext{Custom: custom},
	}
	ctx = lambdacontext.NewContext(ctx, lc)
	timedOut := func() answer {
		return answer{fe: &functionError{
			Type:    "Sandbox.Timedout",
			Message: fmt.Sprintf("Task timed out after %.2f seconds", time.Since(start).Seconds()),
		}}
	}
	if t.timeout <= 0 {
		// On the calling goroutine, like a plain Go tool: the handler
		// is trusted to honour its context's deadline.
		a := t.run(ctx, payload)
		if a.fe != nil && ctx.Err() != nil {
			return timedOut()
		}
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	ch := make(chan answer, 1)
	go func() { ch <- t.run(ctx, payload) }()
	select {
	case a := <-ch:
		return a
	case <-ctx.Done():
		return timedOut()
	}
}

// run calls the handler, turning errors and panics into function errors
// as the runtime does.
func (t *Target) run(ctx context.Context, payload []byte) (a answer) {
	defer func() {
		if v := recover(); v != nil {
			a = answer{fe: &functionError{Type: typeName(v), Message: fmt.Sprintf("%v", v)}}
		}
	}()
	h := t.handlers.Get().(lambdago.Handler)
	if t.serial != nil {
		t.serial.Lock()
		defer t.serial.Unlock()
	}
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		t.handlers.Put(h)
		fe := asRuntimeError(err)
		return answer{fe: &fe}
	}
	// out is in h's pooled buffer: copy it before h serves another call.
	// (A panicking handler is not put back.)
	out = bytes.Clone(out)
	t.handlers.Put(h)
	return answer{out: out}
}

func (t *Target) answerResult(a answer) *toolgate.Result {
	if a.fe != nil {
		return t.errorResult(*a.fe)
	}
	return t.mapPayload(a.out, "")
}

// asRuntimeError types err as aws-lambda-go's runtime does.
func asRuntimeError(err error) functionError {
	var ire messages.InvokeResponse_Error
	if errors.As(err, &ire) {
		return functionError{Type: ire.Type, Message: ire.Message}
	}
	return functionError{Type: typeName(err), Message: err.Error()}
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// validateHandler applies lambda.Start's rules, so a wrong signature is
// an error here rather than on every call.
func validateHandler(h any) error {
	if h == nil {
		return errors.New("nil handler")
	}
	if _, ok := h.(lambdago.Handler); ok {
		return nil
	}
	contextType, errorType := reflect.TypeFor[context.Context](), reflect.TypeFor[error]()
	ht := reflect.TypeOf(h)
	if ht.Kind() != reflect.Func {
		return fmt.Errorf("handler kind %s is not %s", ht.Kind(), reflect.Func)
	}
	isContext := func(t reflect.Type) bool {
		return t.Kind() == reflect.Interface && contextType.Implements(t) && t.Implements(contextType)
	}
	switch ht.NumIn() {
	case 0:
	case 1:
		if a := ht.In(0); a.Kind() == reflect.Interface && a.NumMethod() > 0 && !isContext(a) {
			return fmt.Errorf("handler takes an interface, but it is not context.Context: %q", a.Name())
		}
	case 2:
		if !isContext(ht.In(0)) {
			return fmt.Errorf("handler takes two arguments, but the first is not context.Context")
		}
	default:
		return fmt.Errorf("handlers may not take more than two arguments, but handler takes %d", ht.NumIn())
	}
	switch n := ht.NumOut(); {
	case n > 2:
		return errors.New("handler may not return more than two values")
	case n == 2 && !ht.Out(1).Implements(errorType):
		return errors.New("handler returns two values, but the second does not implement error")
	case n == 1 && !ht.Out(0).Implements(errorType):
		return errors.New("handler returns a single value, but it does not implement error")
	}
	return nil
}
