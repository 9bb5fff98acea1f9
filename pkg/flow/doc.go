// Package flow is ssokit's multi-app single-sign-on flow simulator: it reads
// flow files (YAML, validated whole before anything runs, errors at
// file:line:col), runs their steps — login, silent, redirect, refresh,
// userinfo, logout, wait, fault, storage-access, fedcm,
// fedcm-disconnect — through the virtual browser of
// pkg/flow/browser against any OpenID provider over HTTP, checks each
// step's expectations, and reports as text, arrow diagrams, JSON or JUnit
// XML. It never imports the provider: it speaks HTTP, as a browser would.
package flow
