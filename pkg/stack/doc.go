// Package stack is `ssokit up`: it turns an ssokit.yaml (or the built-in
// demo) into a running provider, a path-routing proxy and the apps' dev
// servers, waits for them to be ready, reloads the config when it changes,
// restarts crashed apps with back-off, and stops everything on shutdown.
package stack
