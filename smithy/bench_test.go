package smithy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkConvert measures parsing a corpus model and converting its
// service into tools (schemas included), per model; S3 (2.3 MB, 98
// operations) is the largest:
//
//	go test -run '^$' -bench Convert -benchtime 5x ./smithy/
func BenchmarkConvert(b *testing.B) {
	files := corpusModels(b)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				m, err := Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				svc, err := m.service("")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := convert(m, svc, schemaProtocol(m, svc), &Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
