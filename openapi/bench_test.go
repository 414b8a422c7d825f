package openapi

import (
	"context"
	"os"
	"testing"
	"time"
)

const kubernetesSpec = corpusDir + "/kubernetes/kubernetes-swagger.json"

// BenchmarkKubernetes measures loading and converting the largest corpus
// spec (Kubernetes, Swagger 2.0, 1,123 operations) into tools; the goal is
// at most 1 s per conversion.
func BenchmarkKubernetes(b *testing.B) {
	data, err := os.ReadFile(kubernetesSpec)
	if err != nil {
		b.Skipf("corpus: %v", err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	var tools int
	for b.Loop() {
		tg, err := New(ctx, data, &Options{Logger: quietLogger(), BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			b.Fatal(err)
		}
		tools = len(tg.tools)
	}
	b.ReportMetric(float64(tools), "tools")
	b.Logf("kubernetes: %d tools, %v per conversion", tools, time.Since(start)/time.Duration(b.N))
}
