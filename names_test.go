package toolgate

import (
	"context"
	"strings"
	"testing"
)

func TestSanitizeName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"get_forecast", "get_forecast"},
		{"get forecast", "get_forecast"},
		{"get  //  forecast", "get_forecast"},
		{"v1.users-list", "v1.users-list"},
		{"héllo wörld", "h_llo_w_rld"},
		{"日本語", "tool"},
		{"", "tool"},
		{"GET /pets/{id}", "GET_pets_id_"},
	}
	for _, c := range cases {
		if got := sanitizeName(c.in); got != c.want {
			t.Errorf("sanitizeName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPublishedName(t *testing.T) {
	long := strings.Repeat("list_all_the_things_", 5)
	cases := []struct {
		target, tool, sep string
		max               int
		want              string
	}{
		{"weather", "get_forecast", "___", 128, "weather___get_forecast"},
		{"weather", "get forecast", "__", 128, "weather__get_forecast"},
		{"w", long, "___", 64, "w___list_all_the_things_list_all_the_things_list_all_the_" + shortHash("w", long)},
	}
	for _, c := range cases {
		got := publishedName(c.target, c.tool, c.sep, c.max)
		if !strings.HasPrefix(got, c.want[:min(len(c.want), 50)]) || len(got) > c.max {
			t.Errorf("publishedName(%q,%q) = %q (%d), want like %q", c.target, c.tool, got, len(got), c.want)
		}
		if got != publishedName(c.target, c.tool, c.sep, c.max) {
			t.Error("not stable")
		}
	}
	// Two long names that share a 64-character head stay distinct.
	a := publishedName("t", long+"a", "___", 64)
	b := publishedName("t", long+"b", "___", 64)
	if a == b || len(a) > 64 || len(b) > 64 {
		t.Fatalf("shortened names collide or exceed: %q %q", a, b)
	}
}

func TestValidateTargetName(t *testing.T) {
	for _, ok := range []string{"a", "weather", "my-api_2", "a__b", "_a_", strings.Repeat("x", 64)} {
		if err := validateTargetName(ok, DefaultSeparator); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a.b", "a b", "ü", strings.Repeat("x", 65), "a___b", "___", "a____"} {
		if err := validateTargetName(bad, DefaultSeparator); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := validateTargetName("my-api", "-"); err == nil {
		t.Error(`"my-api" accepted with separator "-"`)
	}
}

func TestCollisionsAreDeterministic(t *testing.T) {
	mk := func() *FuncTarget {
		h := func(context.Context, struct{}) (string, error) { return "", nil }
		return Funcs("api", Func("get user", "", h), Func("get_user", "", h), Func("get/user", "", h))
	}
	for range 3 {
		gw := mustGateway(t, nil, mk())
		var names []string
		for _, ti := range gw.Catalog(context.Background()) {
			names = append(names, ti.Name+"="+ti.Tool.Name)
		}
		want := "api___get_user=get user api___get_user_2=get/user api___get_user_3=get_user"
		if got := strings.Join(names, " "); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		st := gw.Status()
		if len(st) != 1 || len(st[0].Problems) != 2 {
			t.Fatalf("collisions not reported: %+v", st)
		}
	}
}

// TestPublishedNamesAreStable: a published name never changes while it is
// served. Newcomers whose natural name is taken take the suffix, whether
// they come with a new target, a refresh of a served one or a builtin.
func TestPublishedNamesAreStable(t *testing.T) {
	h := func(context.Context, struct{}) (string, error) { return "", nil }
	ctx := context.Background()
	names := func(gw *Gateway) map[string]string { // published name -> target/tool
		out := map[string]string{}
		for _, ti := range gw.Tools() {
			out[ti.Name] = ti.Target + "/" + ti.Tool.Name
		}
		return out
	}

	// A refresh brings "a b", which sorts before "a_b" and sanitises to
	// the same name: "a_b" keeps it.
	lt := &listTarget{name: "api", tools: []Tool{{Name: "a_b"}}}
	gw := mustGateway(t, nil, lt)
	lt.tools = []Tool{{Name: "a b"}, {Name: "a_b"}}
	if err := gw.Refresh(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	got := names(gw)
	if got["api___a_b"] != "api/a_b" || got["api___a_b_2"] != "api/a b" {
		t.Fatalf("after refresh: %v", got)
	}
	if st := gw.Status()[0]; len(st.Problems) != 1 || !strings.Contains(st.Problems[0], `"a b" published as "api___a_b_2"`) {
		t.Fatalf("problems: %q", st.Problems)
	}
	// Removing the holder frees the name for a newcomer, but the tool that
	// was renamed keeps the name it is served under.
	lt.tools = []Tool{{Name: "a b"}, {Name: "c"}}
	if err := gw.Refresh(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if got := names(gw); got["api___a_b_2"] != "api/a b" || len(got) != 2 {
		t.Fatalf("after the holder left: %v", got)
	}

	// A builtin cannot take a name a target's tool is served under.
	gw2 := mustGateway(t, nil, Funcs("x", Func("y", "", h)))
	if err := gw2.AddBuiltin(Tool{Name: "x___y"}, func(context.Context, *CallRequest) (*Result, error) { return nil, nil }); err == nil ||
		!strings.Contains(err.Error(), `published for tool "y" of target "x"`) {
		t.Fatalf("builtin over a served name: %v", err)
	}
	if got := names(gw2); got["x___y"] != "x/y" {
		t.Fatalf("served name changed: %v", got)
	}

	// A target whose name holds the separator is refused, so no target can
	// publish a name in another target's space.
	if err := gw2.AddTarget(ctx, Funcs("x___y", Func("z", "", h))); err == nil || !strings.Contains(err.Error(), "separator") {
		t.Fatalf("target name with the separator: %v", err)
	}
}

// listTarget lists whatever tools it holds; its calls return nothing.
type listTarget struct {
	name  string
	tools []Tool
}

func (l *listTarget) Name() string                              { return l.name }
func (l *listTarget) ListTools(context.Context) ([]Tool, error) { return l.tools, nil }
func (l *listTarget) CallTool(context.Context, *CallRequest) (*Result, error) {
	return TextResult(""), nil
}

// unprefixed is a listTarget published without its prefix.
type unprefixed struct{ *listTarget }

func (unprefixed) Unprefixed() bool { return true }

// TestUnprefixedTarget: an Unprefixed target's tools keep their own
// names; a name already served keeps its owner.
func TestUnprefixedTarget(t *testing.T) {
	gw := mustGateway(t, nil, &listTarget{name: "api", tools: []Tool{{Name: "get"}}})
	if err := gw.AddBuiltin(Tool{Name: "search"}, func(context.Context, *CallRequest) (*Result, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if err := gw.AddTarget(context.Background(), unprefixed{&listTarget{name: "fixture", tools: []Tool{{Name: "echo"}, {Name: "search"}, {Name: "api___get"}}}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ti := range gw.Tools() {
		got = append(got, ti.Name+"="+ti.Target+"/"+ti.Tool.Name)
	}
	want := "api___get=api/get api___get_2=fixture/api___get echo=fixture/echo search=/search search_2=fixture/search"
	if strings.Join(got, " ") != want {
		t.Fatalf("published:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}
