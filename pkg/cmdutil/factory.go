package cmdutil

import (
	"io/fs"
	"time"

	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
)

// Factory carries the dependencies commands need, so tests can replace each.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Browser   openurl.Opener
	// Now is the clock; tests pin it.
	Now func() time.Time
	// Templates is the embedded template tree (templates.FS()).
	Templates fs.FS
	// Demo is the built-in demo `ssokit up` serves without a config (templates.Demo()).
	Demo fs.FS
	// Version is the build's version string.
	Version string
}
