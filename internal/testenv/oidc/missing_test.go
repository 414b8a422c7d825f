package oidc_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

// fakeTB records how Start gave up.
type fakeTB struct {
	testing.TB
	how, msg string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.how, f.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.how, f.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartWithoutInstallation(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("TOOLGATE_OIDC_DIR", t.TempDir())
			t.Setenv("CI", tc.ci)
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				oidc.Start(f)
				f.how = "started"
			}()
			<-done
			if f.how != tc.want {
				t.Errorf("Start without an installation: %s (%s), want %s", f.how, f.msg, tc.want)
			}
		})
	}
}
