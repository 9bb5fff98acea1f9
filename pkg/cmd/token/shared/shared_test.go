package shared

import (
	"errors"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/token"
)

func TestReadToken(t *testing.T) {
	tests := []struct {
		name     string
		stdinTTY bool
		stdin    string
		args     []string
		want     string
		err      string
	}{
		{"argument", false, "ignored", []string{" Bearer a.b.c "}, "a.b.c", ""},
		{"dash reads stdin", true, "\n x.y.z \n", []string{"-"}, "x.y.z", ""},
		{"piped stdin", false, "p.q.r", nil, "p.q.r", ""},
		{"terminal stdin without argument", true, "", nil, "", "no token: pass it as an argument, or pipe it on stdin"},
		{"huge argument", false, "", []string{strings.Repeat("a", token.MaxInputSize+1)}, "", "input too large"},
		{"huge stdin", false, strings.Repeat("a", token.MaxInputSize+1), nil, "", "input too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, in, _, _ := iostreams.Test()
			ios.SetTTY(tt.stdinTTY, false, false)
			in.WriteString(tt.stdin)
			got, err := ReadToken(ios, tt.args)
			if tt.err != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &fe) {
					t.Fatalf("err %v, want usage error …%s…", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestStyleAndPad(t *testing.T) {
	on, off := Style{On: true}, Style{}
	if off.Red("x") != "x" || on.Red("x") != "\x1b[31mx\x1b[0m" || on.Red("") != "" {
		t.Error("Style")
	}
	if VisibleLen(on.Bold("héllo")) != 5 {
		t.Errorf("VisibleLen = %d", VisibleLen(on.Bold("héllo")))
	}
	if got := Pad(on.Green("ok"), 4); got != "\x1b[32mok\x1b[0m  " {
		t.Errorf("Pad = %q", got)
	}
	if Pad("toolong", 3) != "toolong" {
		t.Error("Pad must not cut")
	}
	if err := InputError(token.ErrMalformed); cmdutil.ExitCode(err) != 2 {
		t.Error("malformed is a usage error")
	}
	if err := InputError(errors.New("x")); cmdutil.ExitCode(err) != 1 {
		t.Error("other errors pass through")
	}
}
