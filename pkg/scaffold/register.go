package scaffold

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// Registration is what one app adds to ssokit.yaml: a client and a route.
type Registration struct {
	Client config.Client
	App    config.App
	// Comment is written above each new entry (without "# ").
	Comment string
}

// NewRegistration builds the client and the route for an app rendered from t
// with d. cwd is the app directory relative to the config file's directory.
//
// A browser app (KindSPA) is a public client whose redirect URIs are listed
// exactly, once for the proxy origin and once for its own dev server, so it
// works both behind `ssokit up` and opened directly. A BFF is a confidential
// client used by the proxy's auth gate; secret is its client secret (a random
// one when empty). An SPA with the proxy as its backend-for-frontend
// (KindSPABFF) is registered like a BFF, with auth: spa, a back-channel
// logout URI and an API.
func NewRegistration(t Template, d Data, cwd string, secret string) Registration {
	base := d.Base
	devOrigin := strings.TrimSuffix(strings.TrimSuffix(d.DevURL, base), "/")
	app := config.App{
		Name:     d.Name,
		Path:     d.Path,
		Upstream: devOrigin,
		Command:  t.Command,
		Cwd:      cwd,
	}
	cl := config.Client{ClientID: d.ClientID}
	switch t.Kind {
	case KindBFF, KindSPABFF:
		if secret == "" {
			secret = randomSecret()
		}
		cl.Secret = secret
		// The proxy's auth gate receives the code under the app's path.
		cl.RedirectURIs = []string{d.ProxyURL + base + "_ssokit/callback"}
		cl.PostLogoutRedirectURIs = []string{d.ProxyURL + base}
		app.Auth = "required"
		app.ClientID = d.ClientID
		if t.Kind == KindSPABFF {
			// A sign-out anywhere ends the SPA's proxy session.
			cl.BackchannelLogoutURI = d.ProxyURL + base + "_ssokit/backchannel-logout"
			app.Auth = "spa"
			// The demo's protected API is the provider itself (its
			// userinfo endpoint), reached as <base>api/userinfo.
			app.API = []config.AppAPI{{Path: "/api", Upstream: d.Issuer}}
		}
	default:
		origins := []string{d.ProxyURL, devOrigin}
		for _, o := range origins {
			for _, p := range t.RedirectPaths {
				cl.RedirectURIs = append(cl.RedirectURIs, o+base+p)
			}
		}
		for _, o := range origins {
			cl.PostLogoutRedirectURIs = append(cl.PostLogoutRedirectURIs, o+base)
		}
		cl.WebOrigins = origins
		if t.FrontchannelLogoutPath != "" {
			cl.FrontchannelLogoutURI = d.ProxyURL + base + t.FrontchannelLogoutPath
		}
	}
	return Registration{Client: cl, App: app, Comment: "added by `ssokit new " + t.Name + "`"}
}

func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

// Errors of registration.
var (
	// ErrConflict: the app name, path, upstream or client_id is taken by a different entry.
	ErrConflict = errors.New("conflict")
	// ErrConfigInvalid: the existing file does not parse (it is left untouched).
	ErrConfigInvalid = errors.New("does not parse")
)

// ConfigChange is a planned edit of ssokit.yaml. Nothing is written until Apply.
type ConfigChange struct {
	Path string
	Old  []byte // nil when the file does not exist yet
	New  []byte
	// AddedClient and AddedApp say which entries are new; both false means
	// the app was already registered exactly like this (a re-run).
	AddedClient bool
	AddedApp    bool
}

// Changed reports whether Apply would write anything.
func (c *ConfigChange) Changed() bool { return !bytes.Equal(c.Old, c.New) || c.Old == nil }

// Diff is a unified diff of the change ("" when unchanged).
func (c *ConfigChange) Diff() string {
	if !c.Changed() {
		return ""
	}
	name := filepath.ToSlash(c.Path)
	oldLabel, newLabel := name, name
	if !filepath.IsAbs(c.Path) {
		oldLabel, newLabel = "a/"+name, "b/"+name
	}
	if c.Old == nil {
		oldLabel = "/dev/null"
	}
	return udiff.Unified(oldLabel, newLabel, string(c.Old), string(c.New))
}

// Apply writes the new contents atomically (temp file + rename), keeping the
// file's permissions.
func (c *ConfigChange) Apply() error {
	if !c.Changed() {
		return nil
	}
	mode := os.FileMode(0o644)
	if info, err := os.Stat(c.Path); err == nil {
		mode = info.Mode().Perm()
	}
	dir := filepath.Dir(c.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".ssokit.yaml.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(c.New); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.Path)
}

// ReadConfig loosely decodes an existing ssokit.yaml (unknown fields are
// ignored) for defaults such as the issuer and the next free port. A missing
// file gives (nil, nil); a file that does not parse gives ErrConfigInvalid.
func ReadConfig(path string) (*config.Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeLoose(path, b)
}

func decodeLoose(path string, b []byte) (c *config.Config, err error) {
	// goccy/go-yaml v1.19.2 can panic on odd input (a tag in place of a
	// sequence); treat that as a file that does not parse.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("%s %w, so it was not changed: %v", path, ErrConfigInvalid, r)
		}
	}()
	// The budget comes first: a loose decode expands aliases too.
	if err := yamlfile.CheckBudget(path, b, config.MaxFileSize); err != nil {
		return nil, fmt.Errorf("%s %w, so it was not changed:\n%v", path, ErrConfigInvalid, err)
	}
	c = &config.Config{}
	if err := yaml.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%s %w, so it was not changed:\n%v", path, ErrConfigInvalid, err)
	}
	c.Path = path
	return c, nil
}

// PlanRegister works out how to add reg to the config file at path (created
// when absent). Re-running with the same registration is a no-op; an app
// name, path or upstream, or a client_id, that is already taken by a
// different entry is an ErrConflict naming the line.
func PlanRegister(path string, reg Registration, issuer string) (*ConfigChange, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &ConfigChange{Path: path, New: newConfigFile(reg, issuer), AddedClient: true, AddedApp: true}, nil
	}
	if err != nil {
		return nil, err
	}
	return planEdit(path, old, reg)
}

func planEdit(path string, old []byte, reg Registration) (*ConfigChange, error) {
	r := yamlfile.NewReader(path, old)
	file := r.Parse(old, config.MaxFileSize, parser.ParseComments)
	if file == nil {
		return nil, fmt.Errorf("%s %w, so it was not changed:\n%v", path, ErrConfigInvalid, r.Err())
	}
	cur, err := decodeLoose(path, old)
	if err != nil {
		return nil, err
	}
	root, err := topLevel(path, file)
	if err != nil {
		return nil, err
	}
	needClient, needApp, err := conflicts(path, cur, root, reg)
	if err != nil {
		return nil, err
	}
	ch := &ConfigChange{Path: path, Old: old, New: old, AddedClient: needClient, AddedApp: needApp}
	if !needClient && !needApp {
		return ch, nil
	}
	ed := newEditor(old)
	if needClient {
		if err := ed.appendItem(root, "clients", reg.Comment, clientFields(reg.Client)); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if needApp {
		if err := ed.appendItem(root, "apps", reg.Comment, appFields(reg.App)); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	ch.New = ed.bytes()
	if err := verify(path, old, ch.New, reg, needClient, needApp); err != nil {
		return nil, err
	}
	return ch, nil
}

// verify re-reads the edited file: it must parse, hold exactly one more
// client/app, and stay valid if it was valid.
func verify(path string, old, new []byte, reg Registration, needClient, needApp bool) error {
	before, _ := decodeLoose(path, old)
	after, err := decodeLoose(path, new)
	if err != nil {
		return fmt.Errorf("internal error: the edited %s would not parse; it was not changed: %w", path, err)
	}
	wantClients, wantApps := len(before.Clients), len(before.Apps)
	if needClient {
		wantClients++
	}
	if needApp {
		wantApps++
	}
	if len(after.Clients) != wantClients || len(after.Apps) != wantApps {
		return fmt.Errorf("internal error: editing %s did not add exactly the new entries; it was not changed", path)
	}
	if needClient && !clientEqual(after.Clients[len(after.Clients)-1], reg.Client) {
		return fmt.Errorf("internal error: the client added to %s reads back differently; it was not changed", path)
	}
	if needApp && !appEqual(after.Apps[len(after.Apps)-1], reg.App) {
		return fmt.Errorf("internal error: the app added to %s reads back differently; it was not changed", path)
	}
	if err := strictParse(path, old); err == nil {
		if err := strictParse(path, new); err != nil {
			return fmt.Errorf("adding the app would make %s invalid; it was not changed: %w", path, err)
		}
	}
	return nil
}

// strictParse runs the real loader, which is stricter than decodeLoose.
func strictParse(path string, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s %w: %v", path, ErrConfigInvalid, r)
		}
	}()
	_, err = config.Parse(path, b)
	return err
}

func clientEqual(a, b config.Client) bool {
	return a.ClientID == b.ClientID && a.Secret == b.Secret &&
		slices.Equal(a.RedirectURIs, b.RedirectURIs) &&
		slices.Equal(a.PostLogoutRedirectURIs, b.PostLogoutRedirectURIs) &&
		slices.Equal(a.WebOrigins, b.WebOrigins) &&
		a.FrontchannelLogoutURI == b.FrontchannelLogoutURI && a.BackchannelLogoutURI == b.BackchannelLogoutURI
}

func appEqual(a, b config.App) bool {
	return a.Name == b.Name && a.Path == b.Path && a.Upstream == b.Upstream &&
		a.Command == b.Command && a.Cwd == b.Cwd && a.Auth == b.Auth && a.ClientID == b.ClientID && slices.Equal(a.API, b.API)
}

// conflicts decides what is missing and refuses entries that clash.
func conflicts(path string, cur *config.Config, root []*ast.MappingValueNode, reg Registration) (needClient, needApp bool, err error) {
	needClient, needApp = true, true
	for i, a := range cur.Apps {
		line := itemLine(root, "apps", i)
		switch {
		case a.Name == reg.App.Name:
			if a.Path != reg.App.Path || a.Upstream != reg.App.Upstream {
				return false, false, fmt.Errorf("%s:%d: %w: app %q already exists (path %s, upstream %s); choose another --name or remove it from the file",
					path, line, ErrConflict, a.Name, a.Path, a.Upstream)
			}
			needApp = false
		case strings.TrimSuffix(a.Path, "/") == reg.App.Path:
			return false, false, fmt.Errorf("%s:%d: %w: path %s is already routed to app %q; choose another --path", path, line, ErrConflict, a.Path, a.Name)
		case a.Upstream == reg.App.Upstream:
			return false, false, fmt.Errorf("%s:%d: %w: upstream %s is already used by app %q; choose another --port", path, line, ErrConflict, a.Upstream, a.Name)
		}
	}
	for i, c := range cur.Clients {
		if c.ClientID != reg.Client.ClientID {
			continue
		}
		line := itemLine(root, "clients", i)
		// An existing client is reused when it already allows every URI the app uses.
		missing := missingURIs(c, reg.Client)
		if len(missing) > 0 || (c.Secret == "") != (reg.Client.Secret == "") {
			why := "it is a confidential client (has a secret)"
			if len(missing) > 0 {
				why = "it does not allow " + strings.Join(missing, ", ")
			} else if c.Secret == "" {
				why = "it is a public client (no secret)"
			}
			return false, false, fmt.Errorf("%s:%d: %w: client_id %q is already registered and %s; choose another --client-id or edit the file",
				path, line, ErrConflict, c.ClientID, why)
		}
		needClient = false
	}
	return needClient, needApp, nil
}

func missingURIs(have, want config.Client) []string {
	var missing []string
	for _, u := range want.RedirectURIs {
		if !slices.Contains(have.RedirectURIs, u) {
			missing = append(missing, u)
		}
	}
	for _, u := range want.PostLogoutRedirectURIs {
		if !slices.Contains(have.PostLogoutRedirectURIs, u) {
			missing = append(missing, u)
		}
	}
	return missing
}

// topLevel returns the document's top-level mapping entries (nil for an
// empty or comment-only document).
func topLevel(path string, file *ast.File) ([]*ast.MappingValueNode, error) {
	if len(file.Docs) > 1 {
		return nil, fmt.Errorf("%s holds %d YAML documents; ssokit.yaml has one, so it was not changed", path, len(file.Docs))
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil, nil
	}
	switch n := file.Docs[0].Body.(type) {
	case *ast.MappingNode:
		return n.Values, nil
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, nil
	case *ast.CommentGroupNode:
		return nil, nil
	default:
		return nil, fmt.Errorf("%s: the top level is a %s, not a mapping of keys (issuer:, clients:, apps:…); it was not changed", path, n.Type())
	}
}

func findKey(root []*ast.MappingValueNode, key string) (int, *ast.MappingValueNode) {
	for i, mv := range root {
		if mv.Key != nil && mv.Key.GetToken() != nil && mv.Key.GetToken().Value == key {
			return i, mv
		}
	}
	return -1, nil
}

// itemLine is the line of item i of the top-level sequence key (0 if unknown).
func itemLine(root []*ast.MappingValueNode, key string, i int) int {
	_, mv := findKey(root, key)
	if mv == nil {
		return 0
	}
	seq, ok := mv.Value.(*ast.SequenceNode)
	if !ok || i >= len(seq.Values) {
		return mv.Key.GetToken().Position.Line
	}
	return yamlfile.PosOf(seq.Values[i]).Line
}
