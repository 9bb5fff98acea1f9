package admin

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// StatusOptions are the inputs of `admin status`.
type StatusOptions struct{ *Options }

// NewCmdStatus returns `ssokit admin status`.
func NewCmdStatus(o *Options, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Options: o}
	return &cobra.Command{
		Use:   "status",
		Short: "Show the provider's issuer, signing key and what its store holds",
		Example: `  ssokit admin status
  SSOKIT_PROVIDER=http://localhost:9401/ ssokit admin status --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "GET", "status", nil)
			if printed || err != nil {
				return err
			}
			var st struct {
				Issuer string         `json:"issuer"`
				KID    string         `json:"kid"`
				Counts map[string]int `json:"counts"`
			}
			if err := json.Unmarshal(raw, &st); err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.Out, "issuer  %s\nkid     %s\n", st.Issuer, st.KID)
			for _, k := range slices.Sorted(maps.Keys(st.Counts)) {
				fmt.Fprintf(opts.IO.Out, "%-22s %d\n", k, st.Counts[k])
			}
			return nil
		},
	}
}

// RotateKeysOptions are the inputs of `admin rotate-keys`.
type RotateKeysOptions struct{ *Options }

// NewCmdRotateKeys returns `ssokit admin rotate-keys`.
func NewCmdRotateKeys(o *Options, runF func(*RotateKeysOptions) error) *cobra.Command {
	opts := &RotateKeysOptions{Options: o}
	return &cobra.Command{
		Use:   "rotate-keys",
		Short: "Rotate the signing key now (the old key stays in the JWKS for verification)",
		Long: `Make a new signing key active now. Tokens signed before still verify: the
previous key stays published in the JWKS. Use it to test that your services
refetch the JWKS when they meet an unknown kid.`,
		Example: `  ssokit admin rotate-keys`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "POST", "rotate-keys", nil)
			if printed || err != nil {
				return err
			}
			var out struct {
				KID string `json:"kid"`
			}
			_ = json.Unmarshal(raw, &out)
			fmt.Fprintf(opts.IO.Out, "active signing key is now %s\n", out.KID)
			return nil
		},
	}
}

// ResetOptions are the inputs of `admin reset`.
type ResetOptions struct{ *Options }

// NewCmdReset returns `ssokit admin reset`.
func NewCmdReset(o *Options, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{Options: o}
	return &cobra.Command{
		Use:   "reset",
		Short: "Put the provider back as configured: no sessions or tokens, config's users, clients, faults",
		Long: `Reset the running provider between tests: every session, pending login, code
and refresh token is dropped and every token issued before is revoked (no
logout notifications are sent); users, clients and faults are the config's
again; wrong-password lockouts are forgotten. Signing keys are kept.`,
		Example: `  ssokit admin reset`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "POST", "reset", nil)
			if printed || err != nil {
				return err
			}
			var r provider.ResetResult
			_ = json.Unmarshal(raw, &r)
			fmt.Fprintf(opts.IO.Out, "reset: %d session(s) dropped; %d user(s), %d client(s), %d fault(s) as configured\n", r.SessionsEnded, r.Users, r.Clients, r.Faults)
			return nil
		},
	}
}
