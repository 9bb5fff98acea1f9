package cmdutil

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The environment variables that stand in for flags in CI and containers,
// one name per meaning across commands: SSOKIT_ISSUER is the provider's
// issuer for `provider`, `proxy`, `token get`, `token verify` and
// `flow run` alike.
const (
	EnvConfig        = "SSOKIT_CONFIG"
	EnvProviderAddr  = "SSOKIT_PROVIDER_ADDR"
	EnvProxyAddr     = "SSOKIT_PROXY_ADDR"
	EnvIssuer        = "SSOKIT_ISSUER"
	EnvInternalURL   = "SSOKIT_INTERNAL_URL"
	EnvAllowedHosts  = "SSOKIT_ALLOWED_HOSTS"
	EnvLogFormat     = "SSOKIT_LOG_FORMAT"
	EnvKeysDir       = "SSOKIT_KEYS_DIR"
	EnvEphemeralKeys = "SSOKIT_EPHEMERAL_KEYS"
	EnvSigningAlg    = "SSOKIT_SIGNING_ALG"
	EnvAutoLogin     = "SSOKIT_AUTO_LOGIN"
	EnvClientID      = "SSOKIT_CLIENT_ID"
	EnvClientSecret  = "SSOKIT_CLIENT_SECRET"
	EnvSecret        = "SSOKIT_SECRET"
	EnvHealthURL     = "SSOKIT_HEALTHCHECK_URL"
)

// BindEnv makes each flag of cmd named in pairs ("flag", "SSOKIT_…", …)
// take its default from that environment variable: the flag on the command
// line still wins, the variable wins over the built-in default, and --help
// names the variable after the flag's usage. Values are read when cmd runs,
// so the same command tree serves any environment.
//
// A repeatable flag (string array or slice) splits the variable on commas:
// SSOKIT_ALLOWED_HOSTS=ssokit,.internal is two --allowed-host. A value the
// flag rejects (SSOKIT_EPHEMERAL_KEYS=maybe) is a usage error (exit 2)
// naming the variable. A variable set to "" counts as unset. The value is
// never printed in --help, so a secret in the environment stays out of
// logs.
func BindEnv(cmd *cobra.Command, pairs ...string) {
	bindEnv(cmd, nil, pairs)
}

// BindEnvExclusive is BindEnv for flags of which a command takes only one
// (token verify's key sources --issuer, --jwks, --key, --secret): the
// variables apply only when none of group is on the command line, so
// SSOKIT_ISSUER in a job's environment never collides with a --key given
// to one step; two of the variables set at once is a usage error.
func BindEnvExclusive(cmd *cobra.Command, group []string, pairs ...string) {
	bindEnv(cmd, group, pairs)
}

func bindEnv(cmd *cobra.Command, group, pairs []string) {
	if len(pairs)%2 != 0 {
		panic("cmdutil.BindEnv: pairs must be flag, variable, …")
	}
	type binding struct{ flag, env string }
	var bs []binding
	for i := 0; i < len(pairs); i += 2 {
		f := cmd.Flags().Lookup(pairs[i])
		if f == nil {
			panic("cmdutil.BindEnv: " + cmd.Name() + " has no flag --" + pairs[i])
		}
		f.Usage += " [$" + pairs[i+1] + "]"
		bs = append(bs, binding{pairs[i], pairs[i+1]})
	}
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		active := bs
		for _, g := range group {
			if c.Flags().Changed(g) {
				active = nil // the command line chose
			}
		}
		if group != nil {
			var set []string
			for _, b := range active {
				if os.Getenv(b.env) != "" {
					set = append(set, b.env)
				}
			}
			if len(set) > 1 {
				return FlagErrorf("%s are all set; %s takes one of them: unset the others or pass the flag you mean", strings.Join(set, " and "), c.CommandPath())
			}
		}
		for _, b := range active {
			if err := applyEnv(c.Flags().Lookup(b.flag), b.env); err != nil {
				return err
			}
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

func applyEnv(f *pflag.Flag, env string) error {
	v := os.Getenv(env)
	if v == "" || f.Changed {
		return nil
	}
	values := []string{v}
	if t := f.Value.Type(); strings.HasSuffix(t, "Array") || strings.HasSuffix(t, "Slice") {
		values = values[:0]
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				values = append(values, s)
			}
		}
	}
	for _, s := range values {
		if err := f.Value.Set(s); err != nil {
			return FlagErrorf("$%s=%q is not a valid --%s: %v; fix or unset %s", env, v, f.Name, envValueError(f, err), env)
		}
	}
	return nil
}

func envValueError(f *pflag.Flag, err error) error {
	switch f.Value.Type() {
	case "bool":
		return fmt.Errorf("use true or false")
	case "duration":
		return fmt.Errorf("use a duration such as 30s or 5m")
	}
	return err
}
