package inspect

import (
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/events"
)

// FuzzReadEvents feeds arbitrary bytes to the SSE parser (the stream comes
// over the network): it must never panic, and every event it yields must
// become an entry without panicking either.
func FuzzReadEvents(f *testing.F) {
	f.Add("data: {\"kind\":\"token\",\"token\":\"a.b.c\",\"sid\":\"s\"}\n\n")
	f.Add(": c\r\nevent: x\r\ndata: {\"kind\":\"login\",\r\ndata: \"user\":\"u\"}\r\n\r\n")
	f.Add("data: nope\n\ndata:\n\n\n")
	f.Add("data: {\"token\":\"eyJhbGciOiJIUzI1NiJ9.e30.\",\"token_type\":\"refresh_token\"}\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		m := New(Options{TickInterval: -1}, nil)
		_ = events.ReadStream(strings.NewReader(s), func(e events.Event) error {
			m.Update(eventMsg(e))
			return nil
		})
		_ = m.Render()
	})
}
