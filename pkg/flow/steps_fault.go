package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/fault"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// faultStep tells ssokit's provider to misbehave, or to stop:
// `fault: {endpoint: token, error: temporarily_unavailable, count: 1}`, or
// one of `fault: clear`, `rotate_keys`, `end_sessions`.
type faultStep struct {
	// Body is the request body, sent as JSON to the provider's admin API.
	Body map[string]any
}

func (fs *faultStep) parse(p *fileParser, kp pair, f *File) {
	v := p.Resolve(kp.Value)
	switch v.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		fields, _ := p.Mapping(v, "fault")
		fs.Body = map[string]any{}
		// The fault is read and validated by package fault, as the
		// provider will read it: a misspelt endpoint or error code is a
		// parse error here, before anything runs.
		var ft fault.Fault
		nodes := map[string]ast.Node{}
		for _, fl := range fields {
			if !slices.Contains(fault.Keys, fl.Key) {
				p.UnknownKey(fl, "fault", fault.Keys...)
				continue
			}
			var s string
			switch fl.Key {
			case "endpoint", "client_id", "error":
				s = p.Str(fl.Value, "fault "+fl.Key)
			default:
				s, _ = p.Scalar(fl.Value)
			}
			if err := ft.Set(fl.Key, s); err != nil {
				p.ErrAt(fl.Value, "fault %v", err)
				continue
			}
			nodes[fl.Key] = fl.Value
			if fl.Key == "count" {
				fs.Body[fl.Key] = ft.Count
			} else {
				fs.Body[fl.Key] = s
			}
		}
		for _, pr := range ft.Validate() {
			at := nodes[pr.Field]
			if at == nil {
				at = kp.Value
			}
			p.ErrAt(at, "fault %s: %s", pr.Field, pr.Msg)
		}
		if len(fields) == 0 {
			p.ErrAt(kp.KeyN, "fault is empty")
		}
		return
	}
	s, _ := p.Scalar(v)
	if s == "clear" || s == "rotate_keys" || s == "end_sessions" {
		fs.Body = map[string]any{s: true}
		return
	}
	p.ErrAt(kp.Value, "fault must be a mapping such as {endpoint: token, error: temporarily_unavailable, count: 1}, or one of clear, rotate_keys, end_sessions; got %s", yamlfile.Describe(v))
}

func (fs *faultStep) yields() string { return "success" }

// run calls ssokit's admin API: install a fault, clear them, rotate keys
// or end every session.
func (fs *faultStep) run(ctx context.Context, fr *flowRun) outcome {
	f := fs.Body
	base := strings.TrimSuffix(fr.r.Issuer, "/") + "/_ssokit/"
	method, path := http.MethodPost, "faults"
	var body []byte
	switch {
	case f["clear"] == true:
		method = http.MethodDelete
	case f["rotate_keys"] == true:
		path = "rotate-keys"
	case f["end_sessions"] == true:
		path = "end-sessions"
	default:
		body, _ = json.Marshal(f)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	rt := fr.r.Admin
	if rt == nil {
		rt = fr.transport
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return outcome{err: fmt.Errorf("fault: %s: %v", base+path, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	var msg bytes.Buffer
	_, _ = msg.ReadFrom(http.MaxBytesReader(nil, resp.Body, 64<<10))
	if resp.StatusCode == http.StatusNotFound {
		return outcome{err: fmt.Errorf("fault steps need ssokit's provider (its admin API at %s answered 404): %s", base, excerpt(msg.Bytes()))}
	}
	if resp.StatusCode >= 300 {
		return outcome{err: fmt.Errorf("the provider refused the fault: %s %s", resp.Status, excerpt(msg.Bytes()))}
	}
	done := "installed"
	switch path {
	case "rotate-keys":
		done = "signing key rotated"
	case "end-sessions":
		done = "every session ended"
	}
	if method == http.MethodDelete {
		done = "faults cleared"
	}
	return outcome{notes: []string{done}}
}

func (fs *faultStep) label() string { return "fault " + faultLabel(fs.Body) }

func faultLabel(f map[string]any) string {
	for _, k := range []string{"clear", "rotate_keys", "end_sessions"} {
		if f[k] == true {
			return strings.ReplaceAll(k, "_", " ")
		}
	}
	parts := []string{"*"}
	if e, ok := f["endpoint"]; ok {
		parts[0] = fmt.Sprint(e)
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		if k != "endpoint" && k != "count" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, f[k]))
	}
	if n, ok := f["count"]; ok {
		parts = append(parts, fmt.Sprintf("×%v", n))
	}
	return strings.Join(parts, " ")
}
