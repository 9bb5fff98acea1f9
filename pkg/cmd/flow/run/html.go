package run

import (
	"fmt"
	"os"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/flow"
)

// createReport opens a report file before anything runs: a path that
// cannot be written is bad usage (exit 2), worth knowing before the flows
// take their time. An empty path means no report.
func createReport(flag, path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	fh, err := os.Create(path)
	if err != nil {
		return nil, cmdutil.FlagErrorf("%s %s: %v; nothing ran", flag, path, unwrapPathError(err))
	}
	return fh, nil
}

// writeHTML writes the HTML report of the run and closes the file.
func writeHTML(fh *os.File, opts *Options, results []*flow.Result, profiles []string) error {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	o := flow.HTMLOptions{Generated: now()}
	if len(profiles) > 1 {
		o.Profiles = profiles
	}
	werr := flow.WriteHTML(fh, results, o)
	if cerr := fh.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("--html %s: %v", opts.HTML, werr)
	}
	return nil
}
