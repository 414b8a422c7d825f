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
	for _, ok := range []string{"a", "weather", "my-api_2", strings.Repeat("x", 64)} {
		if err := validateTargetName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a.b", "a b", "ü", strings.Repeat("x", 65)} {
		if err := validateTargetName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
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
