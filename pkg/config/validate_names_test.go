package config

import (
	"slices"
	"testing"
)

// Users, clients and apps each need a name, once.
func TestValidateNames(t *testing.T) {
	c := &Config{
		Users:   []User{{Username: "alice"}, {}, {Username: "alice"}},
		Clients: []Client{{ClientID: "shell", Secret: "s"}, {Secret: "s"}, {ClientID: "shell", Secret: "s"}},
		Apps:    []App{{Name: "a", Path: "/a", Upstream: "http://localhost:1"}, {Path: "/b", Upstream: "http://localhost:2"}, {Name: "a", Path: "/c", Upstream: "http://localhost:3"}},
	}
	var got []string
	for _, e := range c.Validate() {
		got = append(got, e.Field+": "+e.Msg)
	}
	for _, want := range []string{
		"users[1].username: a user needs a username",
		`users[2].username: user "alice" is defined twice`,
		"clients[1].client_id: a client needs a client_id",
		`clients[2].client_id: client "shell" is defined twice`,
		"apps[1].name: an app needs a name",
		`apps[2].name: app "a" is defined twice; names must be unique`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
}
