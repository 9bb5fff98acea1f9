package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestMessageDropsGoInternals(t *testing.T) {
	_, statErr := os.Stat("/nonexist.json")
	_, openErr := os.Open("/nonexist.pem")
	_, numErr := strconv.Atoi("abc")
	for err, want := range map[error]string{
		fmt.Errorf("--jwks: %w", statErr):      "--jwks: /nonexist.json: no such file or directory",
		fmt.Errorf("read config: %w", openErr): "read config: /nonexist.pem: no such file or directory",
		fmt.Errorf("count: %w", numErr):        `count: "abc" is not a valid number`,
		errors.New("plain"):                    "plain",
	} {
		if got := Message(err); got != want {
			t.Errorf("Message(%q) = %q, want %q", err, got, want)
		}
	}
}

func TestFlagValueError(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.Int("port", 0, "")
	fs.Duration("exp", time.Hour, "")
	fs.Bool("json", false, "")
	fs.String("name", "", "")
	for args, want := range map[string]string{
		"--port=abc":  `--port "abc" is not a whole number`,
		"--exp=abc":   `--exp "abc" is not a duration such as 30s, 10m or 1h`,
		"--json=mayb": `--json "mayb" is not true or false`,
	} {
		err := fs.Parse([]string{args})
		if got := FlagValueError(err); got == nil || got.Error() != want {
			t.Errorf("%s: %v, want %s", args, got, want)
		}
	}
	if err := fs.Parse([]string{"--nosuch"}); FlagValueError(err) != err {
		t.Error("an unknown flag must pass through unchanged")
	}
}
