package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/plural"
)

// Watch reloads the config file when it changes (config.Watcher): users,
// clients and routes, keeping sessions. An invalid edit is reported with
// file:line and the previous config stays in force. The file's current
// state is the baseline when Watch returns; watching stops when ctx ends
// or the stack closes.
func (s *Stack) Watch(ctx context.Context, path string, interval time.Duration) {
	w := config.NewWatcher(path)
	wctx, stop := context.WithCancel(ctx)
	unlink := context.AfterFunc(s.runCtx, stop) // Close stops the watcher too
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer unlink()
		defer stop()
		w.Run(wctx, interval, s.Reload, func(cfg *config.Config, err error) {
			if err != nil {
				fmt.Fprintf(s.opts.ErrOut, "ssokit: %s not reloaded, the previous config stays in force:\n%v\n", path, err)
				return
			}
			fmt.Fprintf(s.opts.Out, "ssokit: reloaded %s (%s; sessions kept)\n", path, reloadSummary(cfg))
		})
	}()
}

// reloadSummary counts what a reloaded config holds. Without users the
// built-in alice and bob still sign in, so they are counted too.
func reloadSummary(cfg *config.Config) string {
	users := plural.Count(len(cfg.Users), "user")
	if len(cfg.Users) == 0 {
		users = plural.Count(len(cfg.UsersOrDefault()), "user") + " (built-in)"
	}
	return users + ", " + plural.Count(len(cfg.Clients), "client") + ", " + plural.Count(len(cfg.Apps), "app")
}
