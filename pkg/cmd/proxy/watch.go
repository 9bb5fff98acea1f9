package proxy

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
)

// watchConfig reloads path whenever it changes (size or modification time),
// polling every interval until ctx ends. A file that does not load or whose
// routes do not validate is reported and the routes in force stay: an
// editor's half-saved file never takes the proxy down.
func watchConfig(ctx context.Context, path string, interval time.Duration, w io.Writer, apply func(*config.Config) error) {
	same := func(a, b os.FileInfo) bool {
		return a != nil && b != nil && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
	}
	loaded, _ := os.Stat(path)
	var pending os.FileInfo
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fi, err := os.Stat(path)
		if err != nil || same(fi, loaded) {
			pending = nil
			continue
		}
		// Load only once the file has stopped changing for one interval,
		// so a save that truncates and then writes is read whole.
		if !same(fi, pending) {
			pending = fi
			continue
		}
		loaded, pending = fi, nil
		cfg, err := config.Load(path)
		if err == nil {
			err = apply(cfg)
		}
		if err != nil {
			fmt.Fprintf(w, "%s changed but cannot be used; the previous routes stay in force:\n%v\n", path, err)
			continue
		}
		fmt.Fprintf(w, "%s reloaded: %d route(s)\n", path, len(cfg.Apps))
	}
}
