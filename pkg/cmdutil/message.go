package cmdutil

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// FlagValueError rewrites pflag's "invalid argument" error in people's
// words: `--port "abc" is not a whole number` instead of
// `invalid argument "abc" for "--port" flag: strconv.ParseInt: …`.
// Other errors come back unchanged. The root command's flag-error
// function uses it, so every command says it the same way.
func FlagValueError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	f := ive.GetFlag()
	name := "--" + f.Name
	want := ""
	switch t := f.Value.Type(); {
	case t == "duration":
		want = "a duration such as 30s, 10m or 1h"
	case strings.HasPrefix(t, "int"):
		want = "a whole number"
	case strings.HasPrefix(t, "uint"):
		want = "a whole number, 0 or more"
	case strings.HasPrefix(t, "float"):
		want = "a number"
	case t == "bool":
		want = "true or false"
	default:
		return err
	}
	return fmt.Errorf("%s %q is not %s", name, ive.GetValue(), want)
}

// Message is the text cli prints after "error: ". It keeps err's words but
// drops Go internals people cannot act on: a *fs.PathError's operation
// ("stat /x: no such file" becomes "/x: no such file") and a
// *strconv.NumError's function name.
func Message(err error) string {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err != nil {
		msg = strings.Replace(msg, pe.Error(), pe.Path+": "+pe.Err.Error(), 1)
	}
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		msg = strings.Replace(msg, ne.Error(), fmt.Sprintf("%q is not a valid number", ne.Num), 1)
	}
	return msg
}
