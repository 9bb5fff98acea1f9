package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/templates"
)

func testFactory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now, Templates: templates.FS(), Demo: templates.Demo(), Version: "1.2.3 (commit abc, built today)"}
	return f, out, errOut
}

func TestExitCodesAndStreams(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"version"}, 0, "ssokit 1.2.3 (commit abc, built today)\n", ""},
		{[]string{"--version"}, 0, "1.2.3", ""},
		{[]string{"completion", "bash"}, 0, "bash completion V2 for ssokit", ""},
		{[]string{"completion", "zsh"}, 0, "#compdef ssokit", ""},
		{[]string{"completion", "fish"}, 0, "complete -c ssokit", ""},
		{[]string{"completion", "powershell"}, 0, "Register-ArgumentCompleter", ""},
		{[]string{"completion"}, 2, "", "needs one shell"},
		{[]string{"nosuchcommand"}, 2, "", `unknown command "nosuchcommand"`},
		{[]string{"provider", "--nosuchflag"}, 2, "", "unknown flag: --nosuchflag"},
		{[]string{"provider", "--log-format", "xml"}, 2, "", `--log-format "xml" is not text or json`},
		{[]string{"provider", "--config", "/nonexistent/ssokit.yaml"}, 2, "", "read config"},
		{[]string{"version", "extra"}, 2, "", "takes no arguments"},
		{[]string{"--help"}, 0, "Sign in once, be signed in everywhere", ""},
		{[]string{"provider", "--help"}, 0, "ssokit provider --auto-login alice", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, out, errOut := testFactory()
			code := Run(context.Background(), f, tt.args)
			if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errOut.String(), tt.err) {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit %d, stdout ~%q, stderr ~%q", code, trunc(out.String()), errOut.String(), tt.code, tt.out, tt.err)
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// TestSecondInterruptExits: the first Ctrl-C asks for a graceful shutdown,
// the second exits at once with 130, whatever the shutdown is waiting for.
func TestSecondInterruptExits(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	var out testutil.SyncBuffer
	ctx, cancel := interruptible(context.Background(), sigs, &out, func(code int) { exited <- code })
	defer cancel()
	sigs <- os.Interrupt
	<-ctx.Done()
	select {
	case code := <-exited:
		t.Fatalf("the first interrupt exited with %d", code)
	default:
	}
	sigs <- os.Interrupt
	if code := <-exited; code != 130 {
		t.Fatalf("second interrupt: exit %d, want 130", code)
	}
	if !strings.Contains(out.String(), "interrupted again") {
		t.Errorf("no message: %q", out.String())
	}
}
