package cmdutil

import "github.com/ssokit/ssokit/pkg/config"

// LoadConfig reads the --config file of a command, or returns the
// zero-config Config when path is empty. A file that cannot be read or is
// invalid is bad input (exit 2), its errors with file:line.
func LoadConfig(path string) (*config.Config, error) {
	if path == "" {
		return &config.Config{}, nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, &FlagError{Err: err}
	}
	return cfg, nil
}
