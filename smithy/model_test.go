package smithy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/schema"
)

func TestParseErrorsNameTheShape(t *testing.T) {
	for _, tc := range []struct{ name, model, want string }{
		{"not json", `{`, "not a JSON AST"},
		{"no version", `{"shapes":{}}`, `no "smithy" version`},
		{"bad version", `{"smithy":"3.0","shapes":{}}`, "unsupported model version"},
		{"bad id", `{"smithy":"2.0","shapes":{"NoNamespace":{"type":"string"}}}`, `"NoNamespace": invalid shape id`},
		{"unknown type", `{"smithy":"2.0","shapes":{"a#X":{"type":"widget"}}}`, `a#X: unknown shape type "widget"`},
		{"dangling member", `{"smithy":"2.0","shapes":{"a#X":{"type":"structure","members":{"m":{"target":"a#Missing"}}}}}`, "a#X: member m: target a#Missing not found"},
		{"list without member", `{"smithy":"2.0","shapes":{"a#L":{"type":"list"}}}`, "a#L: list has no member"},
		{"input not structure", `{"smithy":"2.0","shapes":{"a#Op":{"type":"operation","input":{"target":"smithy.api#String"}}}}`, "a#Op: input smithy.api#String is a string, not a structure"},
		{"operation not operation", `{"smithy":"2.0","shapes":{"a#S":{"type":"service","operations":[{"target":"a#X"}]},"a#X":{"type":"string"}}}`, "a#S: operation a#X is a string"},
		{"member targets operation", `{"smithy":"2.0","shapes":{"a#X":{"type":"structure","members":{"m":{"target":"a#Op"}}},"a#Op":{"type":"operation"}}}`, "a#X: member m: target a#Op is a operation"},
		{"empty enum", `{"smithy":"2.0","shapes":{"a#E":{"type":"enum","members":{}}}}`, "a#E: enum has no members"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.model))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestClosureThroughResources(t *testing.T) {
	m, err := LoadFile("testdata/weather-http.json")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := m.service("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, op := range m.closure(svc) {
		names = append(names, shapeName(op.id))
	}
	if got, want := strings.Join(names, ","), "GetCity,GetCurrentTime,GetForecast,ListCities"; got != want {
		t.Fatalf("closure %s, want %s", got, want)
	}
}

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain  text\n here", "plain text here"},
		{"<p>The <code>GetItem</code> operation &amp; more.</p><p>Second.</p>", "The GetItem operation & more.\n\nSecond."},
		{"<ul><li><p>one</p></li><li>two</li></ul>", "- one\n\n- two"},
		{"<note>careful</note>", "careful"},
		{"a < b", "a < b"},
	} {
		if got := htmlToText(tc.in); got != tc.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestApplyAndMixins(t *testing.T) {
	m, err := Parse([]byte(`{"smithy":"2.0","shapes":{
		"smithy.api#String":{"type":"apply","traits":{"smithy.api#documentation":"changed"}},
		"a#Base":{"type":"structure","traits":{"smithy.api#mixin":{},"smithy.api#documentation":"base"},"members":{"id":{"target":"smithy.api#String"}}},
		"a#Thing":{"type":"structure","mixins":[{"target":"a#Base"}],"members":{"name":{"target":"smithy.api#String"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc(m.shapes["smithy.api#String"].traits) != "changed" {
		t.Error("apply did not change smithy.api#String")
	}
	thing := m.shapes["a#Thing"]
	if len(thing.members) != 2 || thing.members[0].name != "id" || doc(thing.traits) != "base" || has(thing.traits, "smithy.api#mixin") {
		t.Errorf("mixin not applied: %+v %v", thing.members, thing.traits)
	}
	// Each model has its own prelude.
	m2, err := Parse([]byte(`{"smithy":"2.0","shapes":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc(m2.shapes["smithy.api#String"].traits) != "" {
		t.Error("an apply leaked into another model")
	}
	if _, err := Parse([]byte(`{"smithy":"2.0","shapes":{"a#X":{"type":"structure","mixins":[{"target":"a#X"}]}}}`)); err == nil || !strings.Contains(err.Error(), "a#X: mixin cycle") {
		t.Errorf("mixin cycle: %v", err)
	}
}

// TestSharedShapesStayLinear converts a model whose structures share
// members 40 levels deep (2^40 paths): inlining everything would never end.
func TestSharedShapesStayLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"smithy":"2.0","shapes":{"a#S":{"type":"service","operations":[{"target":"a#Op"}]},"a#Op":{"type":"operation","input":{"target":"a#L0"}}`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, `,"a#L%d":{"type":"structure","members":{"x":{"target":"a#L%d"},"y":{"target":"a#L%d"}}}`, i, i+1, i+1)
	}
	b.WriteString(`,"a#L40":{"type":"structure","members":{"v":{"target":"smithy.api#String"}}}}}`)
	m, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := m.service("")
	ops, err := convert(m, svc, AWSJSON10, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ops[0].tool.InputSchema); n > 1<<20 {
		t.Fatalf("input schema of %d bytes", n)
	}
	in, _ := schema.NormalizeInput(ops[0].tool.InputSchema)
	if _, err := schema.Compile(in); err != nil {
		t.Fatal(err)
	}
}
