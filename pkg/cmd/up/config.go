package up

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
)

// EnvConfig names the config file when --config is not given.
const EnvConfig = cmdutil.EnvConfig

// findConfig decides which config file `ssokit up` uses, and says why:
// --config when given; else $SSOKIT_CONFIG; else ssokit.yaml in dir or the
// nearest parent directory (so `ssokit up` works from inside an app made by
// `ssokit new`). "" means none: the built-in demo runs. A file named
// explicitly (flag or variable) that does not exist is an error.
func findConfig(flag string, explicit bool, getenv func(string) string, dir string) (path, source string, err error) {
	if explicit {
		if _, err := os.Stat(flag); err != nil {
			return "", "", fmt.Errorf("config %s: %w (omit --config to run the built-in demo)", flag, errors.Unwrap(err))
		}
		return flag, "--config", nil
	}
	if env := getenv(EnvConfig); env != "" {
		if _, err := os.Stat(env); err != nil {
			return "", "", fmt.Errorf("config %s (from %s): %w; fix or unset %s", env, EnvConfig, errors.Unwrap(err), EnvConfig)
		}
		return env, EnvConfig, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	for d, up := abs, ""; ; d, up = filepath.Dir(d), filepath.Join(up, "..") {
		p := filepath.Join(d, config.DefaultFile)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			if up == "" {
				return filepath.Join(dir, config.DefaultFile), "in this directory", nil
			}
			return filepath.Join(dir, up, config.DefaultFile), "found in a parent directory", nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			return "", "", err
		}
		if filepath.Dir(d) == d {
			return "", "", nil
		}
	}
}
