package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ssokit/ssokit/pkg/internal/plural"
)

// Action says what writing a file does to the target directory.
type Action string

// Actions, as printed by --dry-run.
const (
	Create    Action = "create"
	Overwrite Action = "overwrite"
	Unchanged Action = "unchanged"
)

// Change is one planned or performed file operation.
type Change struct {
	Path   string // slash-separated, relative to the target directory
	Action Action
}

// ErrDirNotEmpty is returned when the target directory has entries and
// force is off.
var ErrDirNotEmpty = errors.New("directory is not empty")

// Plan says what Write would do, without touching anything. It fails with
// ErrDirNotEmpty when dir has any entry and force is false, and always when a
// file would replace a directory.
func Plan(dir string, files []File, force bool) ([]Change, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		entries = nil
	case err != nil:
		return nil, err
	}
	if len(entries) > 0 && !force {
		return nil, fmt.Errorf("%s: %w (%s); pass --force to write into it (files the template does not produce are kept)", dir, ErrDirNotEmpty, plural.Count(len(entries), "entry", "entries"))
	}
	changes := make([]Change, 0, len(files))
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		info, err := os.Lstat(target)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{f.Path, Create})
			continue
		case err != nil:
			return nil, err
		case !info.Mode().IsRegular():
			return nil, fmt.Errorf("%s exists and is not a regular file; not replacing it", target)
		}
		old, err := os.ReadFile(target)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(old, f.Data) {
			changes = append(changes, Change{f.Path, Unchanged})
		} else {
			changes = append(changes, Change{f.Path, Overwrite})
		}
	}
	return changes, nil
}

// Write writes files under dir (creating it) after the same checks as Plan.
// It only ever creates or overwrites the files it was given: with force,
// anything else already in dir is left alone.
func Write(dir string, files []File, force bool) ([]Change, error) {
	changes, err := Plan(dir, files, force)
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		if changes[i].Action == Unchanged {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(target, f.Data, f.Mode); err != nil {
			return nil, err
		}
		// WriteFile keeps an existing file's mode; make it what the template says.
		if err := os.Chmod(target, f.Mode); err != nil {
			return nil, err
		}
	}
	return changes, nil
}
