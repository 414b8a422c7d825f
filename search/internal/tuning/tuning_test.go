package tuning

import "testing"

func TestSet(t *testing.T) {
	tests := []struct {
		spec  string
		ok    bool
		check func(p Params) bool
	}{
		{"SynW=0.25,Senses=2", true, func(p Params) bool { return p.SynW == 0.25 && p.Senses == 2 }},
		{"Plain=true", true, func(p Params) bool { return p.Plain }},
		{"W=1/2/3/4/5/6", true, func(p Params) bool { return p.W == [NumFields]float64{1, 2, 3, 4, 5, 6} }},
		{"", true, func(p Params) bool { return p == Default() }},
		{"W=1/2", false, nil},
		{"Nope=1", false, nil},
		{"SynW", false, nil},
		{"Senses=x", false, nil},
	}
	for _, tt := range tests {
		p := Default()
		err := p.Set(tt.spec)
		if (err == nil) != tt.ok {
			t.Errorf("Set(%q) error = %v, want ok=%v", tt.spec, err, tt.ok)
			continue
		}
		if tt.ok && !tt.check(p) {
			t.Errorf("Set(%q) = %+v", tt.spec, p)
		}
	}
}
