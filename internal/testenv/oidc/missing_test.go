package oidc_test

import (
	"testing"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

func TestStartWithoutInstallation(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("TOOLGATE_OIDC_DIR", t.TempDir())
			t.Setenv("CI", tc.ci)
			how, msg := testenv.GiveUp(t, func(tb testing.TB) { oidc.Start(tb) })
			if how != tc.want {
				t.Errorf("Start without an installation: %s (%s), want %s", how, msg, tc.want)
			}
		})
	}
}
