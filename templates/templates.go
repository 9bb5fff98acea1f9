// Package templates embeds the front-end templates that `ssokit new` renders
// and `ssokit up` serves as its built-in demo.
package templates

import (
	"embed"
	"io/fs"
)

//go:embed all:files
var files embed.FS

// FS returns the template tree: one directory per template.
func FS() fs.FS {
	sub, err := fs.Sub(files, "files")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}
