package credentials

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/toolgate/toolgate/internal/tracectx"
)

// UnsignedPayload is the payload hash of a request whose body is not
// signed.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// MaxSignedBody bounds a body that SigV4 must read into memory to hash
// (one without GetBody); larger bodies need SigV4Config.UnsignedPayload.
const MaxSignedBody = 64 << 20

// emptyPayloadHash is the SHA-256 of no bytes.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// SigV4Config configures AWS Signature Version 4 signing.
type SigV4Config struct {
	// Service is the signing name of the service ("lambda", "execute-api",
	// "dynamodb", "s3", ...). Required.
	Service string
	// Region is the signing region. If empty, the region of the default
	// configuration (AWS_REGION, shared config) is used.
	Region string

	// Where the credentials come from, in this order:
	//   - Credentials, if set;
	//   - AccessKeyID, SecretAccessKey and optional SessionToken, if set;
	//   - otherwise the SDK's default chain (environment, shared files,
	//     web identity, ECS and EC2 roles).
	Credentials     aws.CredentialsProvider
	AccessKeyID     string
	SecretAccessKey Secret
	SessionToken    Secret

	// RoleARN, if set, is assumed through STS with the credentials above
	// (AgentCore's gateway IAM role). RoleSessionName defaults to
	// "toolgate"; ExternalID and RoleDuration are optional.
	RoleARN         string
	RoleSessionName string
	ExternalID      string
	RoleDuration    time.Duration
	// STSEndpoint overrides the STS endpoint (a VPC endpoint, a test
	// server).
	STSEndpoint string
	// HTTPClient is used for STS and the default chain's remote sources;
	// the SDK's default if nil.
	HTTPClient *http.Client

	// UnsignedPayload signs "UNSIGNED-PAYLOAD" instead of the body's
	// SHA-256, for streaming bodies and services that accept it.
	UnsignedPayload bool
	// Logger receives signing failures (never keys); nil discards them.
	Logger *slog.Logger
}

// SigV4 is a Provider that signs requests with AWS Signature Version 4.
// It sets X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token (for
// temporary credentials) and Authorization. Credentials are cached and
// refreshed by the SDK before they expire. The W3C trace context headers
// (traceparent, tracestate) are sent but not signed, so that a tracing
// transport or proxy may replace them.
type SigV4 struct {
	printable
	service, region string
	unsigned        bool
	creds           aws.CredentialsProvider
	signer          *v4.Signer
	secrets         []string
	log             *slog.Logger
}

// NewSigV4 returns a SigV4 provider. With the default chain it loads the
// shared configuration now (bounded by ctx); credentials themselves are
// retrieved on first use.
func NewSigV4(ctx context.Context, cfg SigV4Config) (*SigV4, error) {
	if cfg.Service == "" {
		return nil, errors.New("credentials: sigv4: Service is required")
	}
	region := cfg.Region
	var (
		base    aws.CredentialsProvider
		source  string
		secrets []string
		awsCfg  aws.Config
	)
	switch {
	case cfg.Credentials != nil:
		base, source = cfg.Credentials, "custom credentials"
		awsCfg = aws.Config{Region: region}
	case cfg.AccessKeyID != "" || !cfg.SecretAccessKey.IsZero():
		if cfg.AccessKeyID == "" {
			return nil, errors.New("credentials: sigv4: SecretAccessKey without AccessKeyID")
		}
		secret, err := resolve("credentials: sigv4 secret access key", cfg.SecretAccessKey)
		if err != nil {
			return nil, err
		}
		var session string
		if !cfg.SessionToken.IsZero() {
			if session, err = resolve("credentials: sigv4 session token", cfg.SessionToken); err != nil {
				return nil, err
			}
		}
		secrets = append(secrets, secret, session)
		base = awscreds.NewStaticCredentialsProvider(cfg.AccessKeyID, secret, session)
		source = fmt.Sprintf("static key %s, secret %s", cfg.AccessKeyID, cfg.SecretAccessKey)
		awsCfg = aws.Config{Region: region}
	default:
		opts := []func(*config.LoadOptions) error{}
		if region != "" {
			opts = append(opts, config.WithRegion(region))
		}
		if cfg.HTTPClient != nil {
			opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
		}
		var err error
		if awsCfg, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return nil, fmt.Errorf("credentials: sigv4: load default AWS configuration: %w", err)
		}
		base, source = awsCfg.Credentials, "default chain"
		if region == "" {
			region = awsCfg.Region
		}
	}
	if region == "" {
		return nil, errors.New("credentials: sigv4: no Region configured and none in the default AWS configuration")
	}
	if cfg.HTTPClient != nil {
		awsCfg.HTTPClient = cfg.HTTPClient
	}
	if cfg.RoleARN != "" {
		awsCfg.Region = region
		awsCfg.Credentials = base
		client := sts.NewFromConfig(awsCfg, func(o *sts.Options) {
			if cfg.STSEndpoint != "" {
				o.BaseEndpoint = aws.String(cfg.STSEndpoint)
			}
		})
		name := cfg.RoleSessionName
		if name == "" {
			name = "toolgate"
		}
		base = stscreds.NewAssumeRoleProvider(client, cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = name
			if cfg.ExternalID != "" {
				o.ExternalID = aws.String(cfg.ExternalID)
			}
			if cfg.RoleDuration > 0 {
				o.Duration = cfg.RoleDuration
			}
		})
		source += ", role " + cfg.RoleARN
	}
	if _, ok := base.(*aws.CredentialsCache); !ok && base != nil {
		base = aws.NewCredentialsCache(base)
	}
	if base == nil {
		return nil, errors.New("credentials: sigv4: no credentials")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	service := cfg.Service
	return &SigV4{
		printable: printable{desc: fmt.Sprintf("SigV4(%s in %s, %s)", service, region, source)},
		service:   service,
		region:    region,
		unsigned:  cfg.UnsignedPayload,
		creds:     base,
		signer: v4.NewSigner(func(o *v4.SignerOptions) {
			// S3 signs the path as sent (it is already escaped).
			o.DisableURIPathEscaping = service == "s3"
		}),
		secrets: secrets,
		log:     log.With(slog.String("service", service), slog.String("region", region)),
	}, nil
}

// CredentialsProvider returns the provider's AWS credentials (cached), for
// targets that call AWS through the SDK rather than plain HTTP.
func (s *SigV4) CredentialsProvider() aws.CredentialsProvider { return s.creds }

// Region returns the signing region.
func (s *SigV4) Region() string { return s.region }

// Apply signs req. A body without GetBody is read into memory (at most
// MaxSignedBody bytes) to be hashed and replaced by a replayable copy.
func (s *SigV4) Apply(ctx context.Context, req *http.Request) error {
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		err = scrubErr(err, s.secrets...)
		s.log.Warn("credentials: sigv4: retrieving AWS credentials failed", slog.String("error", err.Error()))
		return fmt.Errorf("credentials: sigv4: retrieve AWS credentials: %w", err)
	}
	hash := UnsignedPayload
	if !s.unsigned {
		if hash, err = payloadHash(req); err != nil {
			return fmt.Errorf("credentials: sigv4: %w", err)
		}
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	trace := takeTraceContext(req.Header)
	err = s.signer.SignHTTP(ctx, creds, req, hash, s.service, s.region, time.Now())
	maps.Copy(req.Header, trace)
	if err != nil {
		return fmt.Errorf("credentials: sigv4: sign: %w", scrubErr(err, s.secrets...))
	}
	return nil
}

// takeTraceContext removes the W3C trace context headers (traceparent,
// tracestate) from h and returns them. They stay out of the signature, as
// X-Amzn-Trace-Id does in the SDK's own signer: a tracing transport or
// proxy between the gateway and AWS may set them again, and that must not
// void the signature.
func takeTraceContext(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		if strings.EqualFold(k, tracectx.Traceparent) || strings.EqualFold(k, tracectx.Tracestate) {
			if out == nil {
				out = make(http.Header, 2)
			}
			out[k] = vs
			delete(h, k)
		}
	}
	return out
}

// payloadHash returns the hex SHA-256 of req's body, leaving the body
// readable.
func payloadHash(req *http.Request) (string, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return emptyPayloadHash, nil
	}
	h := sha256.New()
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return "", fmt.Errorf("read body: %w", err)
		}
		_, err = io.Copy(h, body)
		_ = body.Close()
		if err != nil {
			return "", fmt.Errorf("read body: %w", err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, MaxSignedBody+1))
	_ = req.Body.Close()
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	if len(b) > MaxSignedBody {
		return "", fmt.Errorf("body larger than %d bytes: use UnsignedPayload", MaxSignedBody)
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}
