package smithy

import (
	"os"
	"testing"
)

// FuzzModel checks that no model, however malformed, makes parsing or
// conversion panic.
func FuzzModel(f *testing.F) {
	for _, p := range []string{"testdata/weather-http.json", corpusDir + "/examples/smithy-openapi-test-service.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"smithy":"2.0","shapes":{"a#S":{"type":"service","operations":[{"target":"a#Op"}]},"a#Op":{"type":"operation","input":{"target":"a#In"}},"a#In":{"type":"structure","members":{"r":{"target":"a#In"},"l":{"target":"a#L"}}},"a#L":{"type":"list","member":{"target":"a#U"}},"a#U":{"type":"union","members":{"x":{"target":"a#L"}}}}}`))
	f.Add([]byte(`{"smithy":"1.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#restJson1":{}},"operations":[{"target":"a#Op"}]},"a#Op":{"type":"operation","traits":{"smithy.api#http":{"method":"GET","uri":"/{x+}"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		for _, id := range m.Services() {
			svc := m.shapes[id]
			for _, p := range []string{RestJSON1, AWSJSON10} {
				_, _ = convert(m, svc, p, &Options{})
			}
		}
	})
}
