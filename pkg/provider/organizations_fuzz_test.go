package provider

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzResolveOrganization: whatever organization parameter a browser
// sends, the answer is no organization, a configured id, or an
// invalid_request whose description is valid UTF-8 of bounded length.
func FuzzResolveOrganization(f *testing.F) {
	for _, s := range []string{"", " ", "acme", "ACME", " acme ", acmeOrgID, strings.ToUpper(acmeOrgID), "globex", "initech",
		"org_", "\xff\xfe", strings.Repeat("é", 100), "a\x00b"} {
		f.Add(s)
	}
	reg, err := newRegistry(orgConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, oerr := reg.resolveOrganization(url.Values{"organization": {v}})
		switch {
		case oerr != nil:
			if id != "" || !utf8.ValidString(oerr.Description) || len(oerr.Description) > 400 {
				t.Fatalf("%q: id %q, error %q", v, id, oerr.Description)
			}
		case id == "":
			if strings.TrimSpace(v) != "" {
				t.Fatalf("%q: neither an organization nor an error", v)
			}
		case id != acmeOrgID && id != globexOrgID:
			t.Fatalf("%q resolved to %q", v, id)
		}
	})
}

func TestResolveOrganization(t *testing.T) {
	reg, err := newRegistry(orgConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		vals    []string
		id, err string
	}{
		{nil, "", ""},
		{[]string{""}, "", ""},
		{[]string{acmeOrgID}, acmeOrgID, ""},
		{[]string{" Acme "}, acmeOrgID, ""},
		{[]string{"globex"}, globexOrgID, ""},
		{[]string{strings.ToUpper(acmeOrgID)}, "", "no organization"},
		{[]string{"acme", "globex"}, "", "repeated"},
		{[]string{strings.Repeat("é", 100)}, "", "…"},
	} {
		q := url.Values{}
		if tc.vals != nil {
			q["organization"] = tc.vals
		}
		id, oerr := reg.resolveOrganization(q)
		if id != tc.id || (oerr == nil) != (tc.err == "") || (oerr != nil && (!strings.Contains(oerr.Description, tc.err) || !utf8.ValidString(oerr.Description))) {
			t.Errorf("%q: %q, %v; want %q, error containing %q", tc.vals, id, oerr, tc.id, tc.err)
		}
	}
}
