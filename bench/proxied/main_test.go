package main

import (
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary play a child's part, as the program does.
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		playRole(role)
		return
	}
	os.Exit(m.Run())
}

// TestMeasure runs a short measurement: every part starts as a process of
// its own, and every path answers.
func TestMeasure(t *testing.T) {
	var out strings.Builder
	if err := measure(&out, 100, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run 1: direct ", "| gateway ", "| gateway, http.Transport ", "| ReverseProxy "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}
