package run

import (
	"context"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

func TestRunFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    Options
		wantErr string
	}{
		{args: []string{"a.yaml"}, want: Options{Files: []string{"a.yaml"}, Parallel: 1}},
		{args: []string{"a.yaml", "b.yaml", "--issuer", "http://localhost:9400/", "--browser", "all", "--parallel", "4", "--junit", "j.xml", "--json", "-v"},
			want: Options{Files: []string{"a.yaml", "b.yaml"}, Issuer: "http://localhost:9400/", Browser: "all", Parallel: 4, JUnit: "j.xml", JSON: true, Verbose: true}},
		{args: []string{"a.yaml", "--browser", "safari"}, want: Options{Files: []string{"a.yaml"}, Browser: "safari", Parallel: 1}},
		{args: nil, wantErr: "needs at least one flow file"},
		{args: []string{"a.yaml", "--browser", "lynx"}, wantErr: `unknown browser profile "lynx"`},
		{args: []string{"a.yaml", "--parallel", "-1"}, wantErr: "--parallel must be at least 1"},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdRun(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%q: err %v (exit %d), want a usage error with %q", tt.args, err, cmdutil.ExitCode(err), tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		g := *got
		g.IO, g.Now, g.StartProvider, g.Transport = nil, nil, nil, nil
		if strings.Join(g.Files, ",") != strings.Join(tt.want.Files, ",") || g.Issuer != tt.want.Issuer || g.Browser != tt.want.Browser ||
			g.Parallel != tt.want.Parallel || g.JUnit != tt.want.JUnit || g.JSON != tt.want.JSON || g.Verbose != tt.want.Verbose {
			t.Errorf("%q: options %+v, want %+v", tt.args, g, tt.want)
		}
	}
}
