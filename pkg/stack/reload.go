package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
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
			fmt.Fprintf(s.opts.Out, "ssokit: reloaded %s (%d users, %d clients, %d apps; sessions kept)\n", path, len(cfg.Users), len(cfg.Clients), len(cfg.Apps))
		})
	}()
}
