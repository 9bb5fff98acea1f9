package config

import (
	"context"
	"os"
	"time"
)

// Watcher reloads a config file when it changes. It polls the file's size
// and modification time, which works with every OS and editor, and loads a
// change only once the file has stayed the same for one interval, so a
// save that truncates and then writes is read whole.
type Watcher struct {
	path   string
	loaded os.FileInfo
}

// NewWatcher takes the file's current state as the baseline: only changes
// after this call are reloaded.
func NewWatcher(path string) *Watcher {
	fi, _ := os.Stat(path)
	return &Watcher{path: path, loaded: fi}
}

// Run polls every interval until ctx ends. A changed file is loaded and
// handed to apply; report learns the outcome: the new config, or the error
// (a load error names file:line) after which the previous config stays in
// force. An editor's half-saved file therefore never takes anything down.
func (w *Watcher) Run(ctx context.Context, interval time.Duration, apply func(*Config) error, report func(*Config, error)) {
	same := func(a, b os.FileInfo) bool {
		return a != nil && b != nil && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
	}
	var pending os.FileInfo
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fi, err := os.Stat(w.path)
		if err != nil || same(fi, w.loaded) {
			pending = nil
			continue
		}
		if !same(fi, pending) {
			pending = fi
			continue
		}
		w.loaded, pending = fi, nil
		cfg, err := Load(w.path)
		if err == nil {
			err = apply(cfg)
		}
		if err != nil {
			report(nil, err)
			continue
		}
		report(cfg, nil)
	}
}
