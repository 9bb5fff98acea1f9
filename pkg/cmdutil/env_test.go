package cmdutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

type envOpts struct {
	Addr    string
	Hosts   []string
	Keys    bool
	Issuer  string
	Secret  string
	KeyFile string
}

func envCmd(o *envOpts) *cobra.Command {
	cmd := &cobra.Command{Use: "t", RunE: func(*cobra.Command, []string) error { return nil }, SilenceErrors: true, SilenceUsage: true}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:9400", "listen address")
	fl.StringArrayVar(&o.Hosts, "allowed-host", nil, "hosts")
	fl.BoolVar(&o.Keys, "ephemeral-keys", false, "memory keys")
	BindEnv(cmd, "addr", EnvProviderAddr, "allowed-host", EnvAllowedHosts, "ephemeral-keys", EnvEphemeralKeys)
	return cmd
}

func runEnv(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	var b bytes.Buffer
	cmd.SetOut(&b)
	cmd.SetErr(&b)
	return cmd.Execute()
}

func TestBindEnv(t *testing.T) {
	t.Setenv(EnvProviderAddr, "0.0.0.0:9400")
	t.Setenv(EnvAllowedHosts, "ssokit, .internal,")
	t.Setenv(EnvEphemeralKeys, "true")
	var o envOpts
	if err := runEnv(t, envCmd(&o)); err != nil {
		t.Fatal(err)
	}
	if o.Addr != "0.0.0.0:9400" || strings.Join(o.Hosts, "|") != "ssokit|.internal" || !o.Keys {
		t.Errorf("from the environment: %+v", o)
	}

	// the command line wins over the environment
	o = envOpts{}
	if err := runEnv(t, envCmd(&o), "--addr", "127.0.0.1:0", "--ephemeral-keys=false", "--allowed-host", "cli"); err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:0" || o.Keys || strings.Join(o.Hosts, "|") != "cli" {
		t.Errorf("flags given: %+v (want the flags' values)", o)
	}

	// unset or empty: the built-in default
	t.Setenv(EnvProviderAddr, "")
	o = envOpts{}
	if err := runEnv(t, envCmd(&o)); err != nil || o.Addr != "127.0.0.1:9400" {
		t.Errorf("empty variable: %+v, %v", o, err)
	}
}

func TestBindEnvBadValue(t *testing.T) {
	t.Setenv(EnvEphemeralKeys, "maybe")
	var o envOpts
	err := runEnv(t, envCmd(&o))
	var fe *FlagError
	if !errors.As(err, &fe) || ExitCode(err) != ExitUsage {
		t.Fatalf("SSOKIT_EPHEMERAL_KEYS=maybe: %v (want a usage error, exit 2)", err)
	}
	for _, want := range []string{"$SSOKIT_EPHEMERAL_KEYS", `"maybe"`, "--ephemeral-keys", "true or false", "unset"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// --help names the variable and never shows its value: a secret in the
// environment stays out of a CI log that prints help.
func TestBindEnvHelp(t *testing.T) {
	t.Setenv(EnvClientSecret, "hunter2")
	cmd := &cobra.Command{Use: "t", Run: func(*cobra.Command, []string) {}}
	var s string
	cmd.Flags().StringVar(&s, "client-secret", "", "client secret")
	BindEnv(cmd, "client-secret", EnvClientSecret)
	var b bytes.Buffer
	cmd.SetOut(&b)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "client secret [$SSOKIT_CLIENT_SECRET]") || strings.Contains(b.String(), "hunter2") {
		t.Errorf("help:\n%s", b.String())
	}
}

func TestBindEnvExclusive(t *testing.T) {
	mk := func(o *envOpts) *cobra.Command {
		cmd := &cobra.Command{Use: "verify", RunE: func(*cobra.Command, []string) error { return nil }, SilenceErrors: true, SilenceUsage: true}
		fl := cmd.Flags()
		fl.StringVar(&o.Issuer, "issuer", "", "")
		fl.StringVar(&o.Secret, "secret", "", "")
		fl.StringVar(&o.KeyFile, "key", "", "")
		BindEnvExclusive(cmd, []string{"issuer", "secret", "key"}, "issuer", EnvIssuer, "secret", EnvSecret)
		return cmd
	}
	t.Setenv(EnvIssuer, "http://ssokit:9400/")
	var o envOpts
	if err := runEnv(t, mk(&o)); err != nil || o.Issuer != "http://ssokit:9400/" {
		t.Errorf("SSOKIT_ISSUER alone: %+v, %v", o, err)
	}
	// a --key on the command line: the job-wide SSOKIT_ISSUER stays out
	o = envOpts{}
	if err := runEnv(t, mk(&o), "--key", "pub.pem"); err != nil || o.Issuer != "" || o.KeyFile != "pub.pem" {
		t.Errorf("--key with SSOKIT_ISSUER set: %+v, %v (want only --key)", o, err)
	}
	t.Setenv(EnvSecret, "s3cret")
	o = envOpts{}
	err := runEnv(t, mk(&o))
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "SSOKIT_ISSUER and SSOKIT_SECRET") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("two key sources in the environment: %v", err)
	}
}

func TestWarnNonLoopbackOneLine(t *testing.T) {
	for _, what := range []string{"provider", "proxy"} {
		var b bytes.Buffer
		WarnNonLoopback(&b, "0.0.0.0:9400", what, false)
		if strings.Count(b.String(), "\n") != 1 || !strings.HasSuffix(b.String(), "\n") || !strings.Contains(b.String(), "container") {
			t.Errorf("%s warning is not one line naming the container case: %q", what, b.String())
		}
	}
}
