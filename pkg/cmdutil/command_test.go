package cmdutil_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/netutil"
)

// run executes root with args and returns the error and what was printed.
func run(root *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	root.SilenceErrors = true
	root.SilenceUsage = true
	err := root.Execute()
	return out.String(), err
}

func TestPositionalArgsAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args cobra.PositionalArgs
		in   []string
		want string // "" when accepted
	}{
		{cmdutil.NoArgs, nil, ""},
		{cmdutil.NoArgs, []string{"x"}, `"app cmd" takes no arguments, got ["x"]; see "app cmd --help"`},
		{cmdutil.MaximumNArgs(1), []string{"a"}, ""},
		{cmdutil.MaximumNArgs(1), []string{"a", "b"}, `"app cmd" takes at most 1 argument(s), got 2; see "app cmd --help"`},
		{cmdutil.ExactArgs(1, "a flow file"), []string{"f.yaml"}, ""},
		{cmdutil.ExactArgs(1, "a flow file"), nil, `"app cmd" needs a flow file; see "app cmd --help"`},
		{cmdutil.ExactArgs(1, "a flow file"), []string{"a", "b"}, `"app cmd" needs a flow file`},
	} {
		root := &cobra.Command{Use: "app"}
		root.AddCommand(&cobra.Command{Use: "cmd", Args: tc.args, RunE: func(*cobra.Command, []string) error { return nil }})
		_, err := run(root, append([]string{"cmd"}, tc.in...)...)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
		}
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: exit %d, want 2", tc.in, cmdutil.ExitCode(err))
		}
	}
}

func newGroupTree() *cobra.Command {
	root := &cobra.Command{Use: "ssokit"}
	flow := &cobra.Command{Use: "flow", Short: "Flows"}
	cmdutil.Group(flow)
	flow.AddCommand(&cobra.Command{Use: "run", Short: "Run a flow", RunE: func(*cobra.Command, []string) error { return nil }})
	flow.AddCommand(&cobra.Command{Use: "init", Short: "Write a flow", RunE: func(*cobra.Command, []string) error { return nil }})
	root.AddCommand(flow)
	root.SetHelpCommand(cmdutil.NewCmdHelp())
	return root
}

// A mistyped verb of a group exits 2 and suggests the nearest verb; the
// bare group prints its help and succeeds.
func TestGroupUnknownVerb(t *testing.T) {
	_, err := run(newGroupTree(), "flow", "rn")
	var uc *cmdutil.UnknownCommandError
	if !errors.As(err, &uc) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("err %v (exit %d), want an UnknownCommandError exiting 2", err, cmdutil.ExitCode(err))
	}
	want := "unknown command \"rn\" for \"ssokit flow\"\n\nDid you mean this?\n\trun\n\nRun 'ssokit flow --help' for usage."
	if err.Error() != want {
		t.Errorf("message:\n%s\nwant:\n%s", err, want)
	}

	_, err = run(newGroupTree(), "flow", "zzzzzz")
	if err == nil || strings.Contains(err.Error(), "Did you mean") {
		t.Errorf("no verb is near: %v", err)
	}

	out, err := run(newGroupTree(), "flow")
	if err != nil || !strings.Contains(out, "run") || !strings.Contains(out, "init") {
		t.Errorf("bare group: err %v, help %q", err, out)
	}
	// The group is runnable only to catch mistakes: its usage shows the
	// "[command]" line, not a second runnable-looking one.
	if strings.Contains(out, "ssokit flow [flags]") || !strings.Contains(out, "ssokit flow [command]") {
		t.Errorf("usage of the group:\n%s", out)
	}
}

func TestHelpCommand(t *testing.T) {
	out, err := run(newGroupTree(), "help", "flow", "run")
	if err != nil || !strings.Contains(out, "Run a flow") {
		t.Errorf("help flow run: %v %q", err, out)
	}
	_, err = run(newGroupTree(), "help", "flw")
	var uc *cmdutil.UnknownCommandError
	if !errors.As(err, &uc) || uc.Group != "ssokit" || len(uc.Suggestions) != 1 || uc.Suggestions[0] != "flow" {
		t.Errorf("help flw: %#v", err)
	}
	_, err = run(newGroupTree(), "help", "flow", "rnu")
	if !errors.As(err, &uc) || uc.Group != "ssokit flow" || uc.Name != "rnu" || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("help flow rnu: %#v", err)
	}
	// Completion of the help command offers the verbs of the named group.
	out, err = run(newGroupTree(), cobra.ShellCompRequestCmd, "help", "flow", "r")
	if err != nil || !strings.Contains(out, "run\tRun a flow") || strings.Contains(out, "init") {
		t.Errorf("completion: %v %q", err, out)
	}
}

func TestErrorTypes(t *testing.T) {
	inner := errors.New("boom")
	if e := (&cmdutil.ExitError{Code: 3}); e.Error() != "exit 3" || e.Unwrap() != nil {
		t.Errorf("bare ExitError: %q", e.Error())
	}
	if e := (&cmdutil.ExitError{Code: 1, Err: inner}); e.Error() != "boom" || !errors.Is(e, inner) {
		t.Errorf("ExitError with Err: %q", e.Error())
	}
	ne := &cmdutil.NetworkError{Err: inner}
	if ne.Error() != "network error: boom" || !errors.Is(ne, inner) {
		t.Errorf("NetworkError: %q", ne.Error())
	}
}

func TestListenBadAddress(t *testing.T) {
	_, err := cmdutil.Listen("127.0.0.1:notaport", "proxy", "--listen")
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage ||
		!strings.Contains(err.Error(), "the proxy cannot listen on 127.0.0.1:notaport") || !strings.Contains(err.Error(), "set --listen") {
		t.Errorf("err %v", err)
	}
}

// Serve returns nil when its context ends (after shutting the server
// down) and the server's error when Serve fails on its own.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netutil.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }), netutil.ServerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmdutil.Serve(ctx, srv, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi" {
		t.Errorf("body %q", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("the server still answers after its context ended")
	}

	// A listener that is already closed: Serve reports the failure.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln2.Close()
	err = cmdutil.Serve(context.Background(), netutil.NewServer(http.NotFoundHandler(), netutil.ServerOptions{}), ln2)
	if err == nil {
		t.Error("Serve on a closed listener returned nil")
	}
}
