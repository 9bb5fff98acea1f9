// Package openurl opens URLs in the user's system browser (for `up --open`
// and `token get`), behind an interface that tests replace with a Stub. It
// is not the virtual browser of the flow simulator, pkg/flow/browser.
package openurl

import (
	"io"
	"sync"

	sysbrowser "github.com/pkg/browser"
)

// Opener opens a URL for the user.
type Opener interface {
	Browse(url string) error
}

// System opens URLs with the operating system's default browser. The
// launcher's own output goes to w (stderr), never to stdout.
type System struct{ Stderr io.Writer }

// Browse opens url.
func (s System) Browse(url string) error {
	if s.Stderr != nil {
		sysbrowser.Stdout = s.Stderr
		sysbrowser.Stderr = s.Stderr
	}
	return sysbrowser.OpenURL(url)
}

// Stub records the URLs it was asked to open.
type Stub struct {
	mu   sync.Mutex
	urls []string
	Err  error
}

// Browse records url and returns s.Err.
func (s *Stub) Browse(url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urls = append(s.urls, url)
	return s.Err
}

// URLs returns the URLs opened so far.
func (s *Stub) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.urls...)
}
