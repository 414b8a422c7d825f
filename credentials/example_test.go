package credentials_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
)

func ExampleNewAPIKey() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("backend got X-Api-Key:", r.Header.Get("X-Api-Key"))
	}))
	defer backend.Close()

	key, err := credentials.NewAPIKey(credentials.APIKeyConfig{
		Key:  credentials.Literal("k-123"),
		Name: "X-Api-Key",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(key) // never prints the key
	resp, err := credentials.Client(nil, key).Get(backend.URL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// APIKey(HEADER X-Api-Key, key [REDACTED])
	// backend got X-Api-Key: k-123
}

func ExampleNewPassthrough() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("backend got:", r.Header.Get("Authorization"))
	}))
	defer backend.Close()

	pass, err := credentials.NewPassthrough(credentials.PassthroughConfig{})
	if err != nil {
		panic(err)
	}
	// The gateway puts the caller's principal in the context of a call.
	ctx := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Token: "inbound-jwt"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL, nil)
	resp, err := credentials.Client(nil, pass).Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// backend got: Bearer inbound-jwt
}

func ExampleSecret() {
	s := credentials.FromEnv("BACKEND_TOKEN")
	fmt.Println(s, credentials.Literal("hunter2"))
	fmt.Printf("%#v\n", credentials.Literal("hunter2"))
	// Output:
	// env:BACKEND_TOKEN [REDACTED]
	// credentials.Secret([REDACTED])
}
