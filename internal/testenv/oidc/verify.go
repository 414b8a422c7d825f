package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Verified is a token that Verify accepted.
type Verified struct {
	// Alg and KID are from the JWS header.
	Alg, KID string
	// Claims is the token's payload.
	Claims map[string]any
}

// Subject returns the "sub" claim.
func (v *Verified) Subject() string { s, _ := v.Claims["sub"].(string); return s }

// Audience returns the "aud" claim as a list.
func (v *Verified) Audience() []string {
	switch a := v.Claims["aud"].(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, 0, len(a))
		for _, x := range a {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// Verify checks that token is a JWT signed by one of the keys the provider
// publishes now (RS256 or ES256), issued by it and not expired, and returns
// its header and claims. It fails the test otherwise. It uses only the
// standard library, so it is independent of the code under test.
func (p *Provider) Verify(t testing.TB, token string) *Verified {
	t.Helper()
	v, err := p.verify(t, token)
	if err != nil {
		t.Fatalf("oidc: token does not verify: %v", err)
	}
	return v
}

// Check is Verify for a token that may be bad, as a server checks what
// it is sent: the error says why it does not verify.
func (p *Provider) Check(t testing.TB, token string) (*Verified, error) {
	t.Helper()
	return p.verify(t, token)
}

func (p *Provider) verify(t testing.TB, token string) (*Verified, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	var hdr struct {
		Alg string `json:"alg"`
		KID string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	v := &Verified{Alg: hdr.Alg, KID: hdr.KID}
	if err := decodeSegment(parts[1], &v.Claims); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.JWKSURL(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kty, Kid, Alg, Crv, N, E, X, Y string
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	found := false
	for _, k := range set.Keys {
		if k.Kid != hdr.KID {
			continue
		}
		found = true
		switch {
		case hdr.Alg == "RS256" && k.Kty == "RSA":
			pub := &rsa.PublicKey{N: bigInt(k.N), E: int(bigInt(k.E).Int64())}
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
				return nil, fmt.Errorf("RS256 signature: %w", err)
			}
		case hdr.Alg == "ES256" && k.Kty == "EC" && k.Crv == "P-256":
			pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: bigInt(k.X), Y: bigInt(k.Y)}
			if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
				return nil, errors.New("ES256 signature does not verify")
			}
		default:
			return nil, fmt.Errorf("alg %q does not match key %s (%s)", hdr.Alg, k.Kid, k.Kty)
		}
	}
	if !found {
		return nil, fmt.Errorf("kid %q is not published", hdr.KID)
	}
	if iss, _ := v.Claims["iss"].(string); iss != p.issuer {
		return nil, fmt.Errorf("iss %q, want %q", iss, p.issuer)
	}
	exp, _ := v.Claims["exp"].(float64)
	if time.Unix(int64(exp), 0).Before(time.Now()) {
		return nil, fmt.Errorf("expired at %v", time.Unix(int64(exp), 0))
	}
	return v, nil
}

func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func bigInt(s string) *big.Int {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return new(big.Int).SetBytes(b)
}
