package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/toolgate/toolgate"
)

// Function is a Lambda function invoked with a raw JSON payload: through
// the Lambda Invoke API (NewFunction: SigV4, Options' region, endpoint,
// credentials and throttle retries, as a Target) or in this process
// (NewInProcessFunction). Options.Tools, Name and the client context
// settings do not apply. A Function is a toolgate.InterceptorHandler: an
// interceptor Lambda function of AgentCore Gateway's contract. It is safe
// for concurrent use.
type Function struct{ t *Target }

var _ toolgate.InterceptorHandler = (*Function)(nil)

// NewFunction returns the function Options.Function, invoked through the
// Lambda Invoke API as New's targets invoke theirs. ctx bounds the loading
// of the AWS configuration.
func NewFunction(ctx context.Context, o *Options) (*Function, error) {
	t, err := newTarget(o, true)
	if err != nil {
		return nil, err
	}
	if err := t.connect(ctx, o); err != nil {
		return nil, err
	}
	return &Function{t: t}, nil
}

// NewInProcessFunction returns handler, anything lambda.Start accepts, run
// in this process as NewInProcess runs a target's handler (Options.Timeout,
// Options.HandlerOptions).
func NewInProcessFunction(handler any, o *Options) (*Function, error) {
	t, err := newTarget(o, true)
	if err != nil {
		return nil, err
	}
	if err := t.inProcess(handler, o); err != nil {
		return nil, err
	}
	return &Function{t: t}, nil
}

// Invoke invokes the function synchronously with payload and returns its
// response. A function error (an error the handler returned, a panic, a
// timeout) is an error naming its type and message.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	t := f.t
	if n := len(payload); n > MaxPayload {
		return nil, fmt.Errorf("lambda: the payload is %d bytes, over Lambda's %d-byte limit", n, MaxPayload)
	}
	var out []byte
	var fe *functionError
	if t.handlers != nil {
		a := t.runInProcess(ctx, payload, nil)
		out, fe = a.out, a.fe
	} else {
		in := &awslambda.InvokeInput{
			FunctionName:   aws.String(t.remote.function),
			Qualifier:      t.remote.qualifier,
			Payload:        payload,
			InvocationType: types.InvocationTypeRequestResponse,
		}
		res, fnErr, err := t.remote.call(ctx, t, in)
		if err != nil {
			return nil, fmt.Errorf("lambda: %w", err)
		}
		out = bytes.TrimSpace(res)
		switch e, ok := asFunctionError(out); {
		case fnErr != "":
			if !ok {
				e = functionError{Type: fnErr, Message: excerpt(out)}
			}
			fe = &e
		case ok: // the emulator sends no FunctionError
			fe = &e
		case !json.Valid(out) && bytes.HasPrefix(out, []byte("Task timed out after")):
			fe = &functionError{Type: "Sandbox.Timedout", Message: string(out)}
		}
	}
	if fe != nil {
		return nil, fmt.Errorf("lambda: function %s failed (%s): %s", t.function, fe.Type, fe.Message)
	}
	return out, nil
}

// Intercept invokes the function with in, AgentCore's interceptor input,
// and reads its answer as the interceptor's output.
func (f *Function) Intercept(ctx context.Context, in *toolgate.InterceptorInput) (*toolgate.InterceptorOutput, error) {
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("lambda: encoding the interceptor input: %w", err)
	}
	res, err := f.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	var out toolgate.InterceptorOutput
	if err := json.Unmarshal(res, &out); err != nil {
		return nil, fmt.Errorf("lambda: function %s: its answer is not an interceptor output (a JSON object)", f.t.function)
	}
	return &out, nil
}
