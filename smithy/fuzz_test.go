package smithy

import (
	"testing"
)

// FuzzModel checks that no model, however malformed, makes parsing or
// conversion panic.
func FuzzModel(f *testing.F) {
	// Small seeds: the mutator works best on short inputs (whole corpus
	// models make coverage-guided fuzzing crawl).
	f.Add([]byte(xmlModel))
	f.Add([]byte(`{"smithy":"1.0","shapes":{"a#S":{"type":"service","version":"1","traits":{"aws.protocols#restJson1":{},"aws.auth#sigv4":{"name":"a"}},"operations":[{"target":"a#Op"}]},` +
		`"a#Op":{"type":"operation","input":{"target":"a#In"},"output":{"target":"a#In"},"traits":{"smithy.api#http":{"method":"PUT","uri":"/b/{k+}?x=1"},"smithy.api#idempotent":{}}},` +
		`"a#In":{"type":"structure","members":{"k":{"target":"smithy.api#String","traits":{"smithy.api#httpLabel":{},"smithy.api#required":{}}},` +
		`"q":{"target":"a#Set","traits":{"smithy.api#httpQuery":"q"}},"h":{"target":"smithy.api#Timestamp","traits":{"smithy.api#httpHeader":"X-H"}},` +
		`"m":{"target":"a#M","traits":{"smithy.api#httpPrefixHeaders":"X-M-"}},"e":{"target":"a#E","traits":{"smithy.api#jsonName":"E","smithy.api#default":"x"}},` +
		`"p":{"target":"smithy.api#PrimitiveInteger","traits":{"smithy.api#range":{"min":1,"max":9}}}}},` +
		`"a#Set":{"type":"set","member":{"target":"smithy.api#String","traits":{"smithy.api#length":{"max":3},"smithy.api#pattern":"^[a-z]+$"}}},` +
		`"a#M":{"type":"map","key":{"target":"smithy.api#String"},"value":{"target":"smithy.api#String"}},` +
		`"a#E":{"type":"string","traits":{"smithy.api#enum":[{"value":"x"},{"value":"y"}],"smithy.api#documentation":"<p>An <b>enum</b>.</p>"}}}}`))
	f.Add([]byte(`{"smithy":"2.0","shapes":{"a#S":{"type":"service","operations":[{"target":"a#Op"}]},"a#Op":{"type":"operation","input":{"target":"a#In"}},"a#In":{"type":"structure","members":{"r":{"target":"a#In"},"l":{"target":"a#L"}}},"a#L":{"type":"list","member":{"target":"a#U"}},"a#U":{"type":"union","members":{"x":{"target":"a#L"}}}}}`))
	f.Add([]byte(`{"smithy":"1.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#restJson1":{}},"operations":[{"target":"a#Op"}]},"a#Op":{"type":"operation","traits":{"smithy.api#http":{"method":"GET","uri":"/{x+}"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		for _, id := range m.Services() {
			svc := m.shapes[id]
			for _, p := range []string{RestJSON1, AWSJSON10, RestXML} {
				_, _ = convert(m, svc, p, &Options{})
			}
		}
	})
}
