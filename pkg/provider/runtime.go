package provider

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ssokit/ssokit/pkg/config"
)

// Limits of what the test API may add at run time, so a runaway test loop
// cannot grow the provider without bound.
const (
	MaxRuntimeUsers   = 1000
	MaxRuntimeClients = 1000
)

// Where a user or client came from, as the test API lists them.
const (
	SourceConfig  = "config"  // ssokit.yaml
	SourceDefault = "default" // the zero-config users alice and bob
	SourceRuntime = "runtime" // added through the test API; reset drops it
)

// overlay is what the test API changed on top of the config: users and
// clients added (or replacing a configured one of the same name) and
// configured ones removed. A reload of the config keeps it; reset drops it.
type overlay struct {
	mu             sync.Mutex
	base           *config.Config
	users          []config.User
	clients        []config.Client
	removedUsers   map[string]bool
	removedClients map[string]bool
}

// effective is the config with the overlay applied: configured (or
// default) users and clients in their order, replaced in place, then the
// runtime-only ones in the order they were added.
func (o *overlay) effective() (cfg config.Config, users []config.User) {
	cfg = *o.base
	runtimeUser := make(map[string]int, len(o.users))
	for i, u := range o.users {
		runtimeUser[u.Username] = i
	}
	placed := map[string]bool{}
	for _, u := range o.base.UsersOrDefault() {
		if o.removedUsers[u.Username] {
			continue
		}
		if i, ok := runtimeUser[u.Username]; ok {
			u = o.users[i]
		}
		placed[u.Username] = true
		users = append(users, u)
	}
	for _, u := range o.users {
		if !placed[u.Username] {
			users = append(users, u)
		}
	}
	runtimeClient := make(map[string]int, len(o.clients))
	for i, c := range o.clients {
		runtimeClient[c.ClientID] = i
	}
	clear(placed)
	cfg.Clients = nil
	for _, c := range o.base.Clients {
		if o.removedClients[c.ClientID] {
			continue
		}
		if i, ok := runtimeClient[c.ClientID]; ok {
			c = o.clients[i]
		}
		placed[c.ClientID] = true
		cfg.Clients = append(cfg.Clients, c)
	}
	for _, c := range o.clients {
		if !placed[c.ClientID] {
			cfg.Clients = append(cfg.Clients, c)
		}
	}
	cfg.Users = users
	return cfg, users
}

// buildLocked makes the registry of the effective config. Zero-config mode
// (any loopback client accepted) follows the config file alone: a test
// adding one client must not make every other client of a zero-config
// setup unknown.
func (o *overlay) buildLocked() (*registry, error) {
	cfg, users := o.effective()
	r, err := newRegistry(&cfg)
	if err != nil {
		return nil, err
	}
	r.zeroConfig = len(o.base.Clients) == 0
	r.users = users
	return r, nil
}

// changeOverlay applies change to the overlay and swaps in the registry it
// yields, all under the overlay's lock so concurrent changes and reloads
// never lose one another. When the result does not validate, nothing
// changes.
func (p *Provider) changeOverlay(change func(o *overlay) error) error {
	o := &p.over
	o.mu.Lock()
	defer o.mu.Unlock()
	saved := overlay{base: o.base, users: slices.Clone(o.users), clients: slices.Clone(o.clients),
		removedUsers: maps.Clone(o.removedUsers), removedClients: maps.Clone(o.removedClients)}
	restore := func() {
		o.users, o.clients, o.removedUsers, o.removedClients = saved.users, saved.clients, saved.removedUsers, saved.removedClients
	}
	if err := change(o); err != nil {
		restore()
		return err
	}
	r, err := o.buildLocked()
	if err != nil {
		restore()
		return err
	}
	p.reg.Store(r)
	return nil
}

// putUser adds a user, or replaces the one with its username.
func (o *overlay) putUser(u config.User) error {
	if i := slices.IndexFunc(o.users, func(x config.User) bool { return x.Username == u.Username }); i >= 0 {
		o.users[i] = u
	} else {
		if len(o.users) >= MaxRuntimeUsers {
			return fmt.Errorf("%d users were added at run time already (the limit); remove some or reset", MaxRuntimeUsers)
		}
		o.users = append(o.users, u)
	}
	delete(o.removedUsers, u.Username)
	return nil
}

// removeUser drops a runtime user and hides a configured one.
func (o *overlay) removeUser(name string, known []string) error {
	if !slices.Contains(known, name) {
		return fmt.Errorf("user %q does not exist; users: %s", name, listOr(known, "(none)"))
	}
	o.users = slices.DeleteFunc(o.users, func(x config.User) bool { return x.Username == name })
	if slices.ContainsFunc(o.base.UsersOrDefault(), func(x config.User) bool { return x.Username == name }) {
		if o.removedUsers == nil {
			o.removedUsers = map[string]bool{}
		}
		o.removedUsers[name] = true
	}
	return nil
}

func (o *overlay) putClient(c config.Client) error {
	if i := slices.IndexFunc(o.clients, func(x config.Client) bool { return x.ClientID == c.ClientID }); i >= 0 {
		o.clients[i] = c
	} else {
		if len(o.clients) >= MaxRuntimeClients {
			return fmt.Errorf("%d clients were added at run time already (the limit); remove some or reset", MaxRuntimeClients)
		}
		o.clients = append(o.clients, c)
	}
	delete(o.removedClients, c.ClientID)
	return nil
}

func (o *overlay) removeClient(id string, known []string) error {
	if !slices.Contains(known, id) {
		return fmt.Errorf("client %q is not registered; registered: %s", id, listOr(known, "(none: zero-config mode accepts any client_id, so there is nothing to remove)"))
	}
	for _, a := range o.base.Apps {
		if a.ClientID == id && a.Auth == "required" {
			return fmt.Errorf("client %q is the auth gate of app %q in %s; it cannot be removed while the app uses it", id, a.Name, orDefaultFile(o.base.Path))
		}
	}
	o.clients = slices.DeleteFunc(o.clients, func(x config.Client) bool { return x.ClientID == id })
	if _, ok := o.base.Client(id); ok {
		if o.removedClients == nil {
			o.removedClients = map[string]bool{}
		}
		o.removedClients[id] = true
	}
	return nil
}

// userSource says where the user of the current registry came from.
func (o *overlay) userSource(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if slices.ContainsFunc(o.users, func(x config.User) bool { return x.Username == name }) {
		return SourceRuntime
	}
	if len(o.base.Users) == 0 {
		return SourceDefault
	}
	return SourceConfig
}

func (o *overlay) clientSource(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if slices.ContainsFunc(o.clients, func(x config.Client) bool { return x.ClientID == id }) {
		return SourceRuntime
	}
	return SourceConfig
}

// validateEntry checks one user or client the way ssokit.yaml's are
// checked, with messages that name the field without a list index.
func validateEntry(cfg config.Config, prefix string) error {
	errs := cfg.Validate()
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = strings.TrimPrefix(strings.TrimPrefix(e.Field, prefix), ".") + ": " + e.Msg
		if msgs[i] == ": "+e.Msg {
			msgs[i] = e.Msg
		}
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

func orDefaultFile(path string) string {
	if path == "" {
		return config.DefaultFile
	}
	return path
}
