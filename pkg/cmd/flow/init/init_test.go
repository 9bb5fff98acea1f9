package initcmd

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

func TestInitFlags(t *testing.T) {
	tests := []struct {
		args  []string
		file  string
		force bool
		err   bool
	}{
		{nil, "flows.yaml", false, false},
		{[]string{"ci/sso.yaml", "--force"}, "ci/sso.yaml", true, false},
		{[]string{"-", "-f"}, "-", true, false},
		{[]string{"a", "b"}, "", false, true},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdInit(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if tt.err {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%q: err %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || got.File != tt.file || got.Force != tt.force {
			t.Errorf("%q: err %v, options %+v", tt.args, err, got)
		}
	}
}
