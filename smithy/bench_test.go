package smithy

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkConvertS3 measures parsing and converting the largest corpus
// model (S3, 2.3 MB, 98 operations) into tools:
//
//	go test -run '^$' -bench ConvertS3 -benchtime 5x ./smithy/
func BenchmarkConvertS3(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "aws", "s3-2006-03-01.json"))
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		svc, _ := m.service("")
		ops, err := convert(m, svc, RestJSON1, &Options{})
		if err != nil || len(ops) != 98 {
			b.Fatal(len(ops), err)
		}
	}
}
