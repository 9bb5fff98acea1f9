package admin

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/fault"
)

// NewCmdFaults returns `ssokit admin faults`.
func NewCmdFaults(opts *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "faults <command>",
		Short: "Inject, list and clear faults (errors, latency, clock skew, short lifetimes)",
		Example: `  ssokit admin faults add endpoint=token,error=temporarily_unavailable,count=1
  ssokit admin faults add endpoint=authorize,error=login_required,client_id=account
  ssokit admin faults list
  ssokit admin faults clear`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(NewCmdFaultsList(opts, nil), NewCmdFaultsAdd(opts, nil), NewCmdFaultsClear(opts, nil))
	return cmd
}

// FaultsListOptions are the inputs of `admin faults list`.
type FaultsListOptions struct{ *Options }

// activeFault is a fault as GET /_ssokit/faults lists it.
type activeFault struct {
	fault.Fault
	ID        int       `json:"id"`
	Until     time.Time `json:"until,omitzero"`
	Remaining int       `json:"remaining,omitempty"`
	Fired     int       `json:"fired"`
	FromFile  bool      `json:"from_config"`
}

// NewCmdFaultsList returns `ssokit admin faults list`.
func NewCmdFaultsList(o *Options, runF func(*FaultsListOptions) error) *cobra.Command {
	opts := &FaultsListOptions{Options: o}
	return &cobra.Command{
		Use:     "list",
		Short:   "List the installed faults",
		Example: `  ssokit admin faults list --json`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "GET", "faults", nil)
			if printed || err != nil {
				return err
			}
			var fs []activeFault
			if err := json.Unmarshal(raw, &fs); err != nil {
				return err
			}
			if len(fs) == 0 {
				fmt.Fprintln(opts.IO.ErrOut, "no faults installed")
				return nil
			}
			tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tFAULT\tFIRED\tLEFT\tFROM")
			for _, f := range fs {
				left, from := "∞", "admin"
				if f.Remaining > 0 {
					left = fmt.Sprint(f.Remaining)
				}
				if f.FromFile {
					from = "config"
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", f.ID, describe(f.Fault), f.Fired, left, from)
			}
			return tw.Flush()
		},
	}
}

// describe writes a fault in --fault syntax.
func describe(f fault.Fault) string {
	b, _ := json.Marshal(f)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	s := ""
	for _, k := range []string{"endpoint", "client_id", "error", "status", "latency", "clock_skew", "access_token_ttl", "count", "for"} {
		v, ok := m[k]
		if !ok || v == "" || v == 0.0 {
			continue
		}
		if n, isNum := v.(float64); isNum && (k == "latency" || k == "clock_skew" || k == "access_token_ttl" || k == "for") {
			v = time.Duration(n).String()
		}
		if s != "" {
			s += ","
		}
		s += fmt.Sprintf("%s=%v", k, v)
	}
	return s
}

// FaultsAddOptions are the inputs of `admin faults add`.
type FaultsAddOptions struct {
	*Options
	Fault fault.Fault
}

// NewCmdFaultsAdd returns `ssokit admin faults add`.
func NewCmdFaultsAdd(o *Options, runF func(*FaultsAddOptions) error) *cobra.Command {
	opts := &FaultsAddOptions{Options: o}
	return &cobra.Command{
		Use:   "add key=value[,key=value...]",
		Short: "Install a fault (the keys of ssokit.yaml's faults: entries)",
		Long: `Install a fault on the running provider. The argument uses the keys of
ssokit.yaml's faults: entries, as "ssokit provider --fault" does:
endpoint, client_id, error, status, latency, clock_skew, access_token_ttl,
count (uses before it is removed) and for (how long it stays).`,
		Example: `  ssokit admin faults add endpoint=token,error=temporarily_unavailable,count=1
  ssokit admin faults add endpoint=authorize,latency=2s,for=1m
  ssokit admin faults add endpoint=token,access_token_ttl=5s`,
		Args: cmdutil.ExactArgs(1, "a fault such as endpoint=token,error=temporarily_unavailable,count=1"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := fault.Parse(args[0])
			if err != nil {
				return cmdutil.FlagErrorf("fault %q: %v", args[0], err)
			}
			opts.Fault = f
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "POST", "faults", opts.Fault)
			if printed || err != nil {
				return err
			}
			var a activeFault
			_ = json.Unmarshal(raw, &a)
			fmt.Fprintf(opts.IO.Out, "installed fault %d: %s\n", a.ID, describe(a.Fault))
			return nil
		},
	}
}

// FaultsClearOptions are the inputs of `admin faults clear`.
type FaultsClearOptions struct{ *Options }

// NewCmdFaultsClear returns `ssokit admin faults clear`.
func NewCmdFaultsClear(o *Options, runF func(*FaultsClearOptions) error) *cobra.Command {
	opts := &FaultsClearOptions{Options: o}
	return &cobra.Command{
		Use:     "clear",
		Short:   "Remove every fault (the configured ones too, until reset or a config reload)",
		Example: `  ssokit admin faults clear`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			c, err := opts.newClient()
			if err != nil {
				return err
			}
			if err := c.call(cmd.Context(), "DELETE", "faults", nil, nil); err != nil {
				return err
			}
			if opts.JSON {
				return opts.printJSON(map[string]bool{"cleared": true})
			}
			fmt.Fprintln(opts.IO.Out, "cleared every fault")
			return nil
		},
	}
}
