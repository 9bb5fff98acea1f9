package cmdutil

import (
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/ssokit/ssokit/pkg/token"
)

// KeyFlags are the flags of the commands that verify tokens (`token
// verify`, `inspect`): one key source (--issuer, --jwks, --key, --secret),
// the extra CAs to trust when fetching keys (--cacert) and the clock skew
// tolerated (--leeway).
type KeyFlags struct {
	Issuer string // --issuer: discovery, then its jwks_uri
	JWKS   string // --jwks: a JWK set URL or file
	Key    string // --key: a public key, certificate or JWK file
	Secret string // --secret: an HMAC secret
	CACert string // --cacert
	Leeway time.Duration
}

// KeyFlagUsage is the help text of the four key-source flags, which each
// command words for what it does with the key.
type KeyFlagUsage struct {
	Issuer, JWKS, Key, Secret string
}

// Register adds --issuer, --jwks, --key, --secret, --cacert and --leeway
// to fl.
func (k *KeyFlags) Register(fl *pflag.FlagSet, u KeyFlagUsage) {
	fl.StringVar(&k.Issuer, "issuer", "", u.Issuer)
	fl.StringVar(&k.JWKS, "jwks", "", u.JWKS)
	fl.StringVar(&k.Key, "key", "", u.Key)
	fl.StringVar(&k.Secret, "secret", "", u.Secret)
	AddCACertFlag(fl, &k.CACert)
	fl.DurationVar(&k.Leeway, "leeway", token.DefaultLeeway, "clock skew tolerated on exp, nbf and iat")
}

// Sources is how many of the four key sources were given.
func (k *KeyFlags) Sources() int {
	n := 0
	for _, s := range []string{k.Issuer, k.JWKS, k.Key, k.Secret} {
		if s != "" {
			n++
		}
	}
	return n
}

// Source is the key source for token.ResolveKeys.
func (k *KeyFlags) Source() token.KeySource {
	return token.KeySource{Issuer: k.Issuer, JWKS: k.JWKS, Key: k.Key, Secret: k.Secret}
}

// Flag names the flag of the key source given ("--secret" when none of the
// others is), for error messages.
func (k *KeyFlags) Flag() string {
	switch {
	case k.Issuer != "":
		return "--issuer"
	case k.JWKS != "":
		return "--jwks"
	case k.Key != "":
		return "--key"
	}
	return "--secret"
}

// AddCACertFlag adds --cacert, the PEM file of extra CAs HTTPClient trusts.
func AddCACertFlag(fl *pflag.FlagSet, p *string) {
	fl.StringVar(p, "cacert", "", "also trust the CA certificates in this PEM `FILE` (ssokit's own local CA is always trusted)")
}

// EnsureHTTPClient returns c when it is set (tests inject one), else
// HTTPClient(cacert, timeout).
func EnsureHTTPClient(c *http.Client, cacert string, timeout time.Duration) (*http.Client, error) {
	if c != nil {
		return c, nil
	}
	return HTTPClient(cacert, timeout)
}
