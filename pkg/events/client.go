package events

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Path is where a provider publishes its live event stream.
const Path = "/_ssokit/events"

// maxEventSize bounds one SSE event; a token event is a few kilobytes.
const maxEventSize = 8 << 20

// StreamURL turns a provider (issuer) URL into its event stream URL,
// asking for the retained events first so tokens issued before the
// inspector started appear too. fullTokens asks for whole tokens instead of
// the redacted default (see Redact); only the TUI and dashboard should.
func StreamURL(base string, fullTokens bool) string {
	if !strings.Contains(base, Path) {
		base = strings.TrimSuffix(base, "/") + Path + "?replay=1"
	}
	if fullTokens && !strings.Contains(base, "tokens=") {
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		base += sep + "tokens=full"
	}
	return base
}

// ReadStream parses an SSE stream, calling fn for each event's data. Lines
// starting with ':' are comments; event:, id: and retry: fields are
// ignored; multi-line data is joined with newlines, as the SSE spec says.
// It returns when r ends or fn returns an error.
func ReadStream(r io.Reader, fn func(Event) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var data strings.Builder
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		switch {
		case line == "":
			if data.Len() > 0 {
				var e Event
				payload := data.String()
				data.Reset()
				if jerr := json.Unmarshal([]byte(payload), &e); jerr != nil {
					e = Event{Kind: "unparsable", Detail: fmt.Sprintf("event is not JSON: %v", jerr)}
				}
				if ferr := fn(e); ferr != nil {
					return ferr
				}
			}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			v := strings.TrimPrefix(line, "data:")
			data.WriteString(strings.TrimPrefix(v, " "))
			if data.Len() > maxEventSize {
				return fmt.Errorf("event larger than %d bytes", maxEventSize)
			}
		}
	}
}

// readLine reads one line of any length up to maxEventSize, without the
// line ending (LF, CRLF or CR-less).
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxEventSize {
			return "", fmt.Errorf("line longer than %d bytes", maxEventSize)
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// FollowStatus reports the stream's connection state.
type FollowStatus struct {
	Connected bool
	Err       error
}

// Follow connects to url and delivers events and connection changes on the
// returned channels until ctx ends, reconnecting with backoff (a provider
// restart is routine during development).
func Follow(ctx context.Context, client *http.Client, url string) (<-chan Event, <-chan FollowStatus) {
	evs := make(chan Event, 256)
	status := make(chan FollowStatus, 16)
	go func() {
		defer close(evs)
		defer close(status)
		backoff := 250 * time.Millisecond
		for ctx.Err() == nil {
			err := followOnce(ctx, client, url, evs, status)
			if ctx.Err() != nil {
				return
			}
			send(ctx, status, FollowStatus{Connected: false, Err: err})
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(backoff*2, 5*time.Second)
		}
	}()
	return evs, status
}

func send[T any](ctx context.Context, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

func followOnce(ctx context.Context, client *http.Client, url string, evs chan<- Event, status chan<- FollowStatus) error {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			return ue.Unwrap()
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered HTTP %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return fmt.Errorf("%s is not an event stream (Content-Type %q)", url, ct)
	}
	send(ctx, status, FollowStatus{Connected: true})
	err = ReadStream(resp.Body, func(e Event) error {
		if !send(ctx, evs, e) {
			return ctx.Err()
		}
		return nil
	})
	if err == io.EOF {
		return errors.New("stream closed by the provider")
	}
	return err
}
