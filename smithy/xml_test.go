package smithy

import (
	"encoding/json"
	"testing"
)

// xmlModel has a restXml service with an attribute, a renamed flattened
// list, a map with renamed key and value, and a namespace.
const xmlModel = `{"smithy":"2.0","shapes":{
 "x#Svc":{"type":"service","version":"1","operations":[{"target":"x#Op"}],"traits":{"aws.protocols#restXml":{},"smithy.api#xmlNamespace":{"uri":"https://example.com/ns"}}},
 "x#Op":{"type":"operation","input":{"target":"x#Doc"},"output":{"target":"x#Doc"},"traits":{"smithy.api#http":{"method":"POST","uri":"/"}}},
 "x#Doc":{"type":"structure","traits":{"smithy.api#xmlName":"Document"},"members":{
   "id":{"target":"smithy.api#String","traits":{"smithy.api#xmlAttribute":{},"smithy.api#xmlName":"ID"}},
   "items":{"target":"x#Items","traits":{"smithy.api#xmlFlattened":{},"smithy.api#xmlName":"Item"}},
   "names":{"target":"x#Names"},
   "labels":{"target":"x#Labels"},
   "count":{"target":"smithy.api#Integer"},
   "ok":{"target":"smithy.api#Boolean"},
   "when":{"target":"smithy.api#Timestamp"},
   "child":{"target":"x#Doc"}}},
 "x#Items":{"type":"list","member":{"target":"smithy.api#String"}},
 "x#Names":{"type":"list","member":{"target":"smithy.api#String","traits":{"smithy.api#xmlName":"Name"}}},
 "x#Labels":{"type":"map","key":{"target":"smithy.api#String","traits":{"smithy.api#xmlName":"K"}},"value":{"target":"smithy.api#Integer","traits":{"smithy.api#xmlName":"V"}}}
}}`

func TestXMLRoundTrip(t *testing.T) {
	m, err := Parse([]byte(xmlModel))
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := m.service("")
	tg := &Target{m: m, svc: svc}
	doc := m.shapes["x#Doc"]
	in := `{"id":"a&b","items":["one","two"],"names":["n1"],"labels":{"b":2,"a":1},"count":3,"ok":true,"when":"2024-01-02T03:04:05Z","child":{"id":"c","count":4}}`
	w := &xmlWriter{t: tg}
	if err := w.root(doc, "Document", json.RawMessage(in)); err != nil {
		t.Fatal(err)
	}
	want := `<Document xmlns="https://example.com/ns" ID="a&amp;b"><Item>one</Item><Item>two</Item><names><Name>n1</Name></names>` +
		`<labels><entry><K>a</K><V>1</V></entry><entry><K>b</K><V>2</V></entry></labels><count>3</count><ok>true</ok>` +
		`<when>2024-01-02T03:04:05Z</when><child ID="c"><count>4</count></child></Document>`
	if got := w.buf.String(); got != want {
		t.Fatalf("XML\n%s\nwant\n%s", got, want)
	}
	root, err := parseXML(w.buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(tg.xmlStruct(doc, root, 0))
	var a, b any
	_ = json.Unmarshal(out, &a)
	_ = json.Unmarshal([]byte(in), &b)
	if ja, jb := mustMarshal(a), mustMarshal(b); ja != jb {
		t.Fatalf("round trip\n%s\nwant\n%s", ja, jb)
	}
	// Malformed and hostile documents are errors, not panics.
	for _, bad := range []string{"", "<a>", "<a></b>", "text"} {
		if _, err := parseXML([]byte(bad)); err == nil {
			t.Errorf("parseXML(%q) succeeded", bad)
		}
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
