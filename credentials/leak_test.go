package credentials_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

// TestNoSecretLeaks drives every provider through success and failure with
// debug logging on, prints providers and configurations every way fmt and
// slog can, and checks that no secret, and no token it saw, appears in any
// log line, error string or printed value.
func TestNoSecretLeaks(t *testing.T) {
	p := oidc.Start(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	textLog := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	good := p.Register(t, oidc.Client{Scopes: []string{"read"}})
	secrets := []string{
		"AK-leak-0001-apikey", "BT-leak-0002-bearer", "BP-leak-0003-password",
		"CS-leak-0004-wrongsecret", good.Secret,
		"AWS-leak-0005-secretaccesskey", "ST-leak-0006-sessiontoken",
	}
	subject := p.Mint(t, map[string]any{"sub": "alice"}, "RS256", time.Hour)
	secrets = append(secrets, subject)
	// Secrets as a basic Authorization header carries them.
	for _, idSecret := range [][2]string{{good.ID, good.Secret}, {good.ID, secrets[3]}, {"gw", secrets[3]}, {"user", secrets[2]}} {
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(idSecret[0]+":"+idSecret[1])))
	}
	// The signed part of a JWT is not secret, its signature is.
	_, subjectSig, _ := strings.Cut(subject[strings.Index(subject, ".")+1:], ".")
	secrets = append(secrets, subjectSig)

	// A token endpoint that echoes whatever it is sent into its error.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error": "invalid_client", "error_description": "got " + string(b) + " auth " + r.Header.Get("Authorization"),
		})
	}))
	defer echo.Close()
	// An STS endpoint that always refuses.
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>denied %s</Message></Error></ErrorResponse>", r.Header.Get("Authorization"))
	}))
	defer sts.Close()

	type built struct {
		p   credentials.Provider
		cfg any
	}
	var providers []built
	var errs []error
	add := func(p credentials.Provider, cfg any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		providers = append(providers, built{p, cfg})
	}
	ctx := t.Context()

	akCfg := credentials.APIKeyConfig{Key: credentials.Literal(secrets[0]), Name: "X-Api-Key"}
	ak, err := credentials.NewAPIKey(akCfg)
	add(ak, akCfg, err)
	qk, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal(secrets[0]), In: credentials.Query, Name: "key"})
	add(qk, nil, err)
	bt, err := credentials.NewBearer(credentials.Literal(secrets[1]))
	add(bt, nil, err)
	ba, err := credentials.NewBasic("user", credentials.Literal(secrets[2]))
	add(ba, nil, err)

	ccGood := credentials.ClientCredentialsConfig{ClientID: good.ID, ClientSecret: credentials.Literal(good.Secret), DiscoveryURL: p.DiscoveryURL(), Logger: log}
	cc, err := credentials.NewClientCredentials(ctx, ccGood)
	add(cc, ccGood, err)
	ccBad := credentials.ClientCredentialsConfig{ClientID: good.ID, ClientSecret: credentials.Literal(secrets[3]), TokenURL: echo.URL, Logger: log}
	ccb, err := credentials.NewClientCredentials(ctx, ccBad)
	add(ccb, ccBad, err)
	ccPost := ccBad
	ccPost.AuthStyle = credentials.AuthPost
	ccp, err := credentials.NewClientCredentials(ctx, ccPost)
	add(ccp, ccPost, err)

	xGood := credentials.TokenExchangeConfig{ClientID: good.ID, ClientSecret: credentials.Literal(good.Secret), TokenURL: p.TokenURL(), Audience: "https://down.test/", Logger: textLog}
	xg, err := credentials.NewTokenExchange(ctx, xGood)
	add(xg, xGood, err)
	xBad := credentials.TokenExchangeConfig{ClientID: "gw", ClientSecret: credentials.Literal(secrets[3]), TokenURL: echo.URL, Audience: "aud", AuthStyle: credentials.AuthPost, Logger: log}
	xb, err := credentials.NewTokenExchange(ctx, xBad)
	add(xb, xBad, err)

	sigCfg := credentials.SigV4Config{Service: "lambda", Region: "us-east-1", AccessKeyID: "AKIDLEAKTEST", SecretAccessKey: credentials.Literal(secrets[5]), SessionToken: credentials.Literal(secrets[6]), Logger: log}
	sg, err := credentials.NewSigV4(ctx, sigCfg)
	add(sg, sigCfg, err)
	roleCfg := sigCfg
	roleCfg.RoleARN, roleCfg.STSEndpoint = "arn:aws:iam::123456789012:role/r", sts.URL
	sr, err := credentials.NewSigV4(ctx, roleCfg)
	add(sr, roleCfg, err)
	pt, err := credentials.NewPassthrough(credentials.PassthroughConfig{})
	add(pt, nil, err)

	backend := newRecorder(t)
	pctx := toolgate.WithPrincipal(ctx, &toolgate.Principal{Subject: "alice", ClientID: "agent", Token: subject})
	for _, b := range providers {
		if _, ok := b.p.(interface{ String() string }); !ok {
			t.Errorf("%T has no String method", b.p)
		}
		req, _ := http.NewRequestWithContext(pctx, http.MethodPost, backend.srv.URL+"/x?a=1", strings.NewReader(`{"q":1}`))
		resp, err := credentials.Client(nil, b.p).Do(req)
		if err != nil {
			errs = append(errs, err)
			log.Error("call failed", "provider", b.p, "error", err)
			textLog.Error("call failed", "provider", b.p, "error", err)
			continue
		}
		_ = resp.Body.Close()
		log.Info("call", "provider", b.p, "config", b.cfg)
		textLog.Info("call", "provider", b.p, "config", b.cfg)
	}
	// Failures that must have happened: the echoing endpoints and STS.
	if len(errs) < 4 {
		t.Fatalf("only %d failures: %v", len(errs), errs)
	}
	// The tokens the backend saw are secrets too.
	for _, r := range backend.reqs {
		for _, h := range []string{"Authorization", "X-Api-Key", "X-Amz-Security-Token"} {
			if v := r.Header.Get(h); v != "" {
				_, tok, _ := strings.Cut(v, " ")
				if tok == "" || strings.HasPrefix(v, "AWS4") {
					tok = v
				}
				if !strings.HasPrefix(v, "AWS4") {
					secrets = append(secrets, tok)
				}
			}
		}
	}

	var printed strings.Builder
	for _, b := range providers {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			fmt.Fprintf(&printed, verb+"\n", b.p)
			if b.cfg != nil {
				fmt.Fprintf(&printed, verb+"\n", b.cfg)
			}
		}
		if b.cfg != nil {
			j, err := json.Marshal(b.cfg)
			if err == nil {
				printed.Write(j)
			}
		}
	}
	for _, err := range errs {
		fmt.Fprintf(&printed, "%v\n%+v\n", err, err)
	}

	checked := 0
	for _, s := range secrets {
		if len(s) < 8 {
			continue
		}
		checked++
		if strings.Contains(logs.String(), s) {
			t.Errorf("a secret (%.6s...) appears in the logs", s)
		}
		if strings.Contains(printed.String(), s) {
			t.Errorf("a secret (%.6s...) appears in printed values or errors", s)
		}
	}
	if checked < 10 {
		t.Errorf("only %d secrets checked", checked)
	}
	// The logs did record the events.
	for _, want := range []string{"token fetched", "token request failed", "token exchange failed", "retrieving AWS credentials failed", "[REDACTED]"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q", want)
		}
	}
	if testing.Verbose() {
		t.Logf("logs:\n%s\nprinted:\n%s", logs.String(), printed.String())
	}
}
