package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
)

// maxBackoff caps one throttle retry's delay.
const maxBackoff = 5 * time.Second

// remote invokes a function through the Lambda Invoke API.
type remote struct {
	client    *awslambda.Client
	function  string
	qualifier *string
	retries   int
	backoff   time.Duration
}

// New returns a target that invokes the function Options.Function through
// the Lambda Invoke API (synchronously, RequestResponse), signed with
// SigV4. It loads the standard AWS configuration for what Options leaves
// unset; ctx bounds that loading.
func New(ctx context.Context, o *Options) (*Target, error) {
	t, err := newTarget(o, false)
	if err != nil {
		return nil, err
	}
	if err := t.connect(ctx, o); err != nil {
		return nil, err
	}
	return t, nil
}

// connect gives t its Lambda client, configured by o.
func (t *Target) connect(ctx context.Context, o *Options) error {
	if o.Function == "" {
		return fmt.Errorf("lambda: target %q: Options.Function is required", o.Name)
	}
	var load []func(*config.LoadOptions) error
	region := o.Region
	if region == "" {
		region = regionOf(o.Function)
	}
	if region != "" {
		load = append(load, config.WithRegion(region))
	}
	if o.HTTPClient != nil {
		load = append(load, config.WithHTTPClient(o.HTTPClient))
	}
	// applied is the provider credentials.Client applies to requests the
	// SDK leaves unsigned; nil when the SDK signs.
	var applied credentials.Provider
	switch p := o.Credentials.(type) {
	case nil: // the SDK's default credential chain
	case *credentials.SigV4:
		load = append(load, config.WithCredentialsProvider(p.CredentialsProvider()))
	default:
		load = append(load, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
		applied = p
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return fmt.Errorf("lambda: target %q: AWS configuration: %w", o.Name, err)
	}
	if cfg.Region == "" {
		return fmt.Errorf("lambda: target %q: no AWS region: set Options.Region, use an ARN, or set AWS_REGION", o.Name)
	}
	client := awslambda.NewFromConfig(cfg, func(lo *awslambda.Options) {
		if o.Endpoint != "" {
			lo.BaseEndpoint = aws.String(o.Endpoint)
		}
		if applied != nil {
			lo.HTTPClient = credentials.Client(stdClient(cfg.HTTPClient), applied)
		}
		// An invocation is not idempotent: only throttles are retried,
		// below, where the function is known not to have run.
		lo.Retryer = aws.NopRetryer{}
		lo.APIOptions = append(lo.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(crashAsFunctionError{}, middleware.After)
		})
	})
	r := &remote{client: client, function: o.Function, retries: o.MaxThrottleRetries, backoff: o.ThrottleBackoff}
	if o.Qualifier != "" {
		r.qualifier = aws.String(o.Qualifier)
		t.function = o.Function + ":" + o.Qualifier
	}
	if r.retries == 0 {
		r.retries = DefaultMaxThrottleRetries
	}
	if r.backoff <= 0 {
		r.backoff = DefaultThrottleBackoff
	}
	t.remote = r
	return nil
}

// stdClient returns c as an *http.Client: itself (Options.HTTPClient), a
// client on the transport of the SDK's default client (which carries a
// custom CA bundle from the AWS configuration), or nil for
// credentials.Client's default.
func stdClient(c aws.HTTPClient) *http.Client {
	switch c := c.(type) {
	case *http.Client:
		return c
	case *awshttp.BuildableClient:
		return &http.Client{Transport: c.GetTransport(), Timeout: c.GetTimeout()}
	}
	return nil
}

// invoke calls the function, retrying throttles. A returned error is a
// failure of the Invoke API (not of the function), described for the
// caller.
func (r *remote) invoke(ctx context.Context, t *Target, payload []byte, clientContext string) (*toolgate.Result, error) {
	in := &awslambda.InvokeInput{
		FunctionName:   aws.String(r.function),
		Qualifier:      r.qualifier,
		Payload:        payload,
		ClientContext:  aws.String(clientContext),
		InvocationType: types.InvocationTypeRequestResponse,
	}
	payload, fnErr, err := r.call(ctx, t, in)
	if err != nil {
		return nil, err
	}
	return t.mapPayload(payload, fnErr), nil
}

// call runs in, retrying throttles, and returns the function's response
// and its FunctionError.
func (r *remote) call(ctx context.Context, t *Target, in *awslambda.InvokeInput) ([]byte, string, error) {
	for attempt := 0; ; attempt++ {
		out, err := r.client.Invoke(ctx, in)
		if err == nil {
			return out.Payload, aws.ToString(out.FunctionError), nil
		}
		retryAfter, throttled := throttle(err)
		if !throttled {
			return nil, "", describe(ctx, t.function, err)
		}
		if r.retries < 0 || attempt >= r.retries {
			return nil, "", fmt.Errorf("Lambda function %s is throttled (HTTP 429, TooManyRequestsException); gave up after %d attempts: %s", t.function, attempt+1, apiMessage(err))
		}
		d := retryAfter
		if d <= 0 {
			d = min(r.backoff<<attempt, maxBackoff)
			d = d/2 + rand.N(d) // jitter around the mean
		}
		timer := time.NewTimer(min(d, maxBackoff))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, "", fmt.Errorf("Lambda function %s is throttled (HTTP 429) and the call ended while waiting to retry: %w", t.function, context.Cause(ctx))
		case <-timer.C:
		}
	}
}

// throttle reports whether err is a throttle, and Lambda's Retry-After.
func throttle(err error) (time.Duration, bool) {
	var tm *types.TooManyRequestsException
	if errors.As(err, &tm) {
		var d time.Duration
		if s, err := strconv.Atoi(aws.ToString(tm.RetryAfterSeconds)); err == nil && s > 0 {
			d = time.Duration(s) * time.Second
		}
		return d, true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == 429 {
		return 0, true
	}
	return 0, false
}

// describe turns an Invoke failure into an error for the caller: the
// HTTP status and Lambda's error code and message, or the transport or
// context failure.
func describe(ctx context.Context, function string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("Lambda function %s did not answer before the call ended: %w", function, context.Cause(ctx))
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if status != 0 {
			return fmt.Errorf("Lambda Invoke of %s failed (HTTP %d, %s): %s", function, status, ae.ErrorCode(), ae.ErrorMessage())
		}
		return fmt.Errorf("Lambda Invoke of %s failed (%s): %s", function, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("Lambda Invoke of %s failed: %w", function, err)
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != "" {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// crashAsFunctionError turns an HTTP 502 whose body is the runtime's error
// payload (what the runtime interface emulator answers when a function
// panics and its runtime exits) into what Lambda answers: HTTP 200 with
// FunctionError "Unhandled". Other responses pass untouched.
type crashAsFunctionError struct{}

func (crashAsFunctionError) ID() string { return "toolgate.lambda.crashAsFunctionError" }

func (crashAsFunctionError) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode != http.StatusBadGateway || resp.Header.Get("X-Amzn-Errortype") != "" {
		return out, md, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxPayload+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return out, md, err
	}
	if _, ok := asFunctionError(body); ok {
		resp.StatusCode = http.StatusOK
		resp.Header.Set("X-Amz-Function-Error", "Unhandled")
	}
	return out, md, err
}
