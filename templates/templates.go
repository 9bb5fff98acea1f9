// Package templates embeds the front-end templates that `ssokit new` renders
// and `ssokit up` serves as its built-in demo.
package templates

import (
	"embed"
	"io/fs"
)

//go:embed all:files
var files embed.FS

//go:embed all:demo
var demo embed.FS

// FS returns the template tree: one directory per template.
func FS() fs.FS {
	sub, err := fs.Sub(files, "files")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// Demo returns the built-in demo that `ssokit up` serves with no config:
// shell/ and account/ pages, and shared/ files every demo app serves.
func Demo() fs.FS {
	sub, err := fs.Sub(demo, "demo")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}
