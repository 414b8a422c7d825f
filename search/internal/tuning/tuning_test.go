package tuning

import (
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	tests := []struct {
		spec  string
		ok    bool
		check func(p Params) bool
	}{
		{"SynW=0.25,Senses=2", true, func(p Params) bool { return p.SynW == 0.25 && p.Senses == 2 }},
		{"Plain=true", true, func(p Params) bool { return p.Plain }},
		{"W=1/2/3/4/5/6/7", true, func(p Params) bool { return p.W == [NumFields]float64{1, 2, 3, 4, 5, 6, 7} }},
		{"", true, func(p Params) bool { return p == Default() }},
		{"W[0]=4,B[2]=0.6", true, func(p Params) bool { return p.W[0] == 4 && p.B[2] == 0.6 && p.W[1] == Default().W[1] }},
		{"W=1/2", false, nil},
		{"W[7]=1", false, nil},
		{"W[x]=1", false, nil},
		{"W[0=1", false, nil},
		{"K1[0]=1", false, nil},
		{"Nope=1", false, nil},
		{"SynW", false, nil},
		{"Senses=x", false, nil},
		{"Senses=1.5", false, nil},
		{"Senses=1e12", false, nil},
		{"Senses=3e0", true, func(p Params) bool { return p.Senses == 3 }},
		{"W[-1]=1/2/3/4/5/6/7", false, nil},
		{"K1=NaN", false, nil},
		{"K1=+Inf", false, nil},
		{"W=1/2/3/4/5/-6", false, nil},
		{"B[1]=-0.5", false, nil},
		{"PRFW=-1", false, nil},
		{"K1=0", true, func(p Params) bool { return p.K1 == 0 }},
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

func TestDiff(t *testing.T) {
	tests := []string{"", "K1=1.6", "W[0]=4,B[2]=0.6", "DerW=0,PRFW=0.2,FuseSeg=1"}
	for _, spec := range tests {
		p := Default()
		if err := p.Set(spec); err != nil {
			t.Fatal(err)
		}
		got := p.Diff(Default())
		q := Default()
		if err := q.Set(got); err != nil {
			t.Fatalf("Diff of %q = %q, unreadable: %v", spec, got, err)
		}
		if q != p {
			t.Errorf("Diff of %q = %q, which reads as %+v", spec, got, q)
		}
		if spec != "" && got == "" {
			t.Errorf("Diff of %q is empty", spec)
		}
	}
}

// FuzzSet reads arbitrary specifications of constants, as typed after
// searcheval's -params. Nothing may panic; a specification read gives
// constants whose Diff reads back as the same constants, and a failed one
// says what it is about.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"K1=1.6", "W[0]=4,B[2]=0.6", "W=1/2/3/4/5/6/7", "Plain=true", "Senses=2",
		"W[-1]=1", "K1=NaN", "Nope=1", "=", ",,", "W[", "K1=1e308,PRFW=4e-324"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p := Default()
		if err := p.Set(spec); err != nil {
			if !strings.HasPrefix(err.Error(), "tuning: ") {
				t.Fatalf("Set(%q): error %q without its package", spec, err)
			}
			return
		}
		d := p.Diff(Default())
		q := Default()
		if err := q.Set(d); err != nil {
			t.Fatalf("Set(%q): its Diff %q does not read: %v", spec, d, err)
		}
		if q != p {
			t.Fatalf("Set(%q): its Diff %q reads as %+v, not %+v", spec, d, q, p)
		}
	})
}
