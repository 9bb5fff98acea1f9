// Command ssokit is a local single-sign-on stack for micro-frontends.
package main

import (
	"os"

	"github.com/ssokit/ssokit/pkg/cli"
)

func main() { os.Exit(cli.Main()) }
