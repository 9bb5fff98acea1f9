package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssokit/ssokit/pkg/config"
)

// RemotesFile is the list of remotes a Module Federation host loads
// (templates/files/mf-host/remotes.json, read by its vite.config.ts).
const RemotesFile = "remotes.json"

// maxRemotesFile bounds what is read of a host's remotes.json.
const maxRemotesFile = 1 << 20

// Remote is one entry of a host's remotes.json.
type Remote struct {
	// Name is the remote's Module Federation name (FederationName of App).
	Name string `json:"name"`
	// App is the remote's app in ssokit.yaml.
	App string `json:"app"`
	// Entry is the URL of its remoteEntry.js under the proxy.
	Entry string `json:"entry"`
}

type remotesDoc struct {
	Remotes []Remote `json:"remotes"`
}

// FederationName is the Module Federation name of app (what the mf
// templates' vite.config.ts derive from package.json's name): hyphens
// become underscores, so it is a JavaScript identifier.
func FederationName(app string) string { return strings.ReplaceAll(app, "-", "_") }

// NewRemote is the remotes.json entry of the remote app rendered with d.
func NewRemote(d Data) Remote {
	return Remote{Name: FederationName(d.Name), App: d.Name, Entry: d.AppURL + "remoteEntry.js"}
}

// ErrNoHost: no Module Federation host to register a remote with.
var ErrNoHost = errors.New("no Module Federation host")

// FindHost returns the remotes.json of the host app that a remote joins:
// the app called host, or else the one app of cfg whose directory holds a
// remotes.json. configPath is the ssokit.yaml cfg was read from (apps' cwd
// are relative to its directory).
func FindHost(configPath string, cfg *config.Config, host string) (string, error) {
	fix := "create one first with `ssokit new mf-host`, or pass --no-register"
	if cfg == nil {
		return "", fmt.Errorf("%w: %s does not exist; %s", ErrNoHost, configPath, fix)
	}
	var hosts, names []string
	for _, a := range cfg.Apps {
		names = append(names, a.Name)
		p := filepath.Join(filepath.Dir(configPath), filepath.FromSlash(a.Cwd), RemotesFile)
		_, err := os.Stat(p)
		isHost := a.Cwd != "" && err == nil
		if host != "" && a.Name == host {
			if !isHost {
				return "", fmt.Errorf("%w: app %q of %s has no %s (in %s); pass the --host of an app made with `ssokit new mf-host`", ErrNoHost, host, configPath, RemotesFile, filepath.Dir(p))
			}
			return p, nil
		}
		if isHost {
			hosts = append(hosts, a.Name)
		}
	}
	if host != "" {
		return "", fmt.Errorf("%w: no app %q in %s (apps: %s); pass --host with the name of the mf-host app", ErrNoHost, host, configPath, strings.Join(names, ", "))
	}
	switch len(hosts) {
	case 0:
		return "", fmt.Errorf("%w among the apps of %s (none has a %s); %s", ErrNoHost, configPath, RemotesFile, fix)
	case 1:
		return FindHost(configPath, cfg, hosts[0])
	default:
		return "", fmt.Errorf("%s has several Module Federation hosts (%s); pass --host with the one this remote joins", configPath, strings.Join(hosts, ", "))
	}
}

// PlanRemote works out how to add r to the host's remotes.json at path.
// Adding the same entry again changes nothing; a name or an entry URL that
// is already taken by a different remote is an ErrConflict, and a file that
// does not parse an ErrConfigInvalid, both naming the line.
func PlanRemote(path string, r Remote) (*ConfigChange, error) {
	old, err := readBounded(path, maxRemotesFile)
	if err != nil {
		return nil, fmt.Errorf("read the host's remotes list: %w", err)
	}
	doc, err := ParseRemotes(path, old)
	if err != nil {
		return nil, err
	}
	ch := &ConfigChange{Path: path, Old: old, New: old}
	for i, x := range doc.Remotes {
		line := remoteLine(old, i)
		switch {
		case x == r:
			return ch, nil // registered already, exactly like this
		case x.Name == r.Name:
			return nil, fmt.Errorf("%s:%d: %w: remote %q is already registered (app %s, entry %s); choose another --name, or remove that entry from %s",
				path, line, ErrConflict, x.Name, x.App, x.Entry, RemotesFile)
		case x.Entry == r.Entry:
			return nil, fmt.Errorf("%s:%d: %w: the entry %s is already registered as remote %q; remove that entry from %s, or choose another --path",
				path, line, ErrConflict, x.Entry, x.Name, RemotesFile)
		}
	}
	doc.Remotes = append(doc.Remotes, r)
	ch.New = formatRemotes(doc)
	ch.AddedApp = true
	return ch, nil
}

// formatRemotes writes one remote a line, as the template's file is laid out.
func formatRemotes(doc remotesDoc) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"remotes\": [")
	for i, r := range doc.Remotes {
		if i > 0 {
			b.WriteString(",")
		}
		line, _ := json.Marshal(r) // strings only: never fails
		b.WriteString("\n    ")
		b.Write(bytes.ReplaceAll(bytes.ReplaceAll(line, []byte(`","`), []byte(`", "`)), []byte(`":"`), []byte(`": "`)))
	}
	if len(doc.Remotes) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Bytes()
}

// ParseRemotes decodes a host's remotes.json strictly: one object with a
// "remotes" array of {name, app, entry}, each a non-empty string. Errors
// name the file and line.
func ParseRemotes(path string, b []byte) (remotesDoc, error) {
	var doc remotesDoc
	bad := func(off int64, format string, args ...any) (remotesDoc, error) {
		line, col := lineCol(b, off)
		return remotesDoc{}, fmt.Errorf("%s:%d:%d: %w: %s; the host's %s is {\"remotes\": [{\"name\": …, \"app\": …, \"entry\": …}]}: fix it by hand (or render it again with `ssokit new mf-host --force`)",
			path, line, col, ErrConfigInvalid, fmt.Sprintf(format, args...), RemotesFile)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return bad(syn.Offset-1, "%v", err) // Offset is just past the bad byte
		case errors.As(err, &typ):
			return bad(typ.Offset-1, "%s must be %s, not a JSON %s", fieldName(typ.Field), expected(typ.Field), typ.Value)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return bad(int64(len(b)), "the file is empty or cut short")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return bad(int64(bytes.Index(b, []byte(f))), "unknown field %s", f)
		default:
			return bad(dec.InputOffset(), "%v", err)
		}
	}
	if dec.More() {
		return bad(dec.InputOffset(), "more than one JSON value")
	}
	if tok, err := dec.Token(); err != io.EOF {
		return bad(dec.InputOffset(), "unexpected %v after the object", tok)
	}
	for i, r := range doc.Remotes {
		for _, f := range []struct{ name, v string }{{"name", r.Name}, {"app", r.App}, {"entry", r.Entry}} {
			if strings.TrimSpace(f.v) == "" {
				line := remoteLine(b, i)
				return remotesDoc{}, fmt.Errorf("%s:%d: %w: remote %d has no %q; every remote needs name, app and entry", path, line, ErrConfigInvalid, i+1, f.name)
			}
		}
	}
	return doc, nil
}

func fieldName(f string) string {
	if f == "" {
		return "the top level"
	}
	return f
}

func expected(f string) string {
	switch {
	case f == "":
		return "an object"
	case f == "remotes":
		return "an array"
	case strings.HasPrefix(f, "remotes."):
		return "a string"
	}
	return "an object"
}

// lineCol is the 1-based line and column of byte offset off.
func lineCol(b []byte, off int64) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// remoteLine is the line where remote i's object starts (0 if unknown).
func remoteLine(b []byte, i int) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	depth, n := 0, -1
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if d == '{' && depth == 2 {
					n++
					if n == i {
						// off is before any whitespace preceding the brace
						rest := b[off:]
						off += int64(bytes.IndexByte(rest, '{'))
						line, _ := lineCol(b, off)
						return line
					}
				}
				depth++
			default:
				depth--
			}
		}
	}
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes; that is not a list of remotes", path, limit)
	}
	return b, nil
}

// KeepRemotes drops the template's empty remotes.json from files when dir
// already has one: re-rendering a host (`ssokit new mf-host --force`) must
// not unregister its remotes.
func KeepRemotes(dir string, files []File) []File {
	if _, err := os.Stat(filepath.Join(dir, RemotesFile)); err != nil {
		return files
	}
	out := files[:0:0]
	for _, f := range files {
		if f.Path != RemotesFile {
			out = append(out, f)
		}
	}
	return out
}
