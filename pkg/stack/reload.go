package stack

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
)

// Watch reloads the config file when it changes (polling its size and
// modification time every interval, which works on every OS and editor).
// An invalid edit is reported with file:line and the previous config stays
// in force. The file's current state is the baseline when Watch returns;
// the watching goroutine stops when ctx ends or the stack closes.
func (s *Stack) Watch(ctx context.Context, path string, interval time.Duration) {
	stamp := func() string {
		fi, err := os.Stat(path)
		if err != nil {
			return "missing"
		}
		return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	}
	last := stamp()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.watch(ctx, path, interval, stamp, last)
	}()
}

func (s *Stack) watch(ctx context.Context, path string, interval time.Duration, stamp func() string, last string) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case <-t.C:
		}
		now := stamp()
		if now == last {
			continue
		}
		last = now
		cfg, err := config.Load(path)
		if err == nil {
			err = s.Reload(cfg)
		}
		if err != nil {
			fmt.Fprintf(s.opts.ErrOut, "ssokit: %s not reloaded, the previous config stays in force:\n%v\n", path, err)
			continue
		}
		fmt.Fprintf(s.opts.Out, "ssokit: reloaded %s (%d users, %d clients, %d apps; sessions kept)\n", path, len(cfg.Users), len(cfg.Clients), len(cfg.Apps))
	}
}
