// Package decode implements `ssokit token decode`.
package decode

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmd/token/shared"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/token"
)

// DecodeOptions are the inputs of `token decode`.
type DecodeOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Location *time.Location

	Raw     string
	JSON    bool
	KeyFile string
}

// NewCmdDecode returns `ssokit token decode`.
func NewCmdDecode(f *cmdutil.Factory, runF func(*DecodeOptions) error) *cobra.Command {
	opts := &DecodeOptions{IO: f.IOStreams, Now: f.Now, Location: time.Local}
	cmd := &cobra.Command{
		Use:   "decode [JWT|-]",
		Short: "Show a token's header, claims and signature facts (unverified)",
		Long: `Decode a JWT without verifying it: the header, the claims with a short
explanation of each registered claim (RFC 7519, OpenID Connect Core, RFC 9068),
and facts about the signature. Every NumericDate (exp, iat, nbf, auth_time) is
shown as RFC 3339 local time and relative to now ("expires in 4m12s").

Nothing shown is trusted: the output is labelled UNVERIFIED. Use
"ssokit token verify" to check the signature and claims.

The token comes from the argument, or stdin when the argument is "-" or
absent. Surrounding whitespace and a "Bearer " prefix are accepted. Input over
8 MiB is refused. An encrypted token (JWE, five parts) is recognised: its
protected header is shown, and --key decrypts it (RSA-OAEP, ECDH-ES, AES key
wrap or dir; RSA1_5 is refused).

Exit status: 0 decoded, 2 malformed or unreadable input.`,
		Example: `  ssokit token decode eyJhbGciOiJSUzI1NiIs...
  pbpaste | ssokit token decode
  ssokit token decode --json "$TOKEN" | jq .claims.sub
  ssokit token decode --key enc-key.pem "$JWE"`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := shared.ReadToken(opts.IO, args)
			if err != nil {
				return err
			}
			opts.Raw = raw
			if runF != nil {
				return runF(opts)
			}
			return decodeRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {header, claims, signature: {alg, kid, bytes}} as JSON")
	cmd.Flags().StringVar(&opts.KeyFile, "key", "", "decrypt a JWE with this private key or secret `FILE` (PEM or JWK)")
	return cmd
}

func decodeRun(opts *DecodeOptions) error {
	u, err := token.Decode(opts.Raw)
	if err != nil {
		return shared.InputError(err)
	}
	var dec *token.Decrypted
	if u.Kind == token.KindJWE && opts.KeyFile != "" {
		keys, err := token.LoadKeys(opts.KeyFile)
		if err != nil {
			return cmdutil.FlagErrorf("--key: %w", err)
		}
		if dec, err = token.Decrypt(u.Raw, keys); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: err}
		}
	}
	if opts.JSON {
		return writeJSON(opts.IO.Out, u, dec)
	}
	r := Renderer{Style: shared.Style{On: opts.IO.ColorEnabled()}, Now: opts.Now(), Location: opts.Location}
	r.Render(opts.IO.Out, u, dec)
	return nil
}

// JSONToken is the --json shape of a decoded JWS.
type JSONToken struct {
	Header    map[string]any `json:"header"`
	Claims    map[string]any `json:"claims,omitempty"`
	Signature *JSONSignature `json:"signature,omitempty"`
	Encrypted bool           `json:"encrypted,omitempty"`
	// Plaintext is a decrypted JWE's content when it is not a nested JWT.
	Plaintext *string    `json:"plaintext,omitempty"`
	Nested    *JSONToken `json:"nested,omitempty"`
	Verified  bool       `json:"verified"`
}

// JSONSignature describes the signature without judging it.
type JSONSignature struct {
	Alg   string `json:"alg"`
	Kid   string `json:"kid,omitempty"`
	Bytes int    `json:"bytes"`
}

func toJSON(u *token.Unverified) *JSONToken {
	j := &JSONToken{Header: u.Header}
	if u.Kind == token.KindJWE {
		j.Encrypted = true
		return j
	}
	j.Claims = u.Claims
	j.Signature = &JSONSignature{Alg: u.Alg(), Kid: u.KeyID(), Bytes: len(u.Signature)}
	return j
}

func writeJSON(w io.Writer, u *token.Unverified, dec *token.Decrypted) error {
	j := toJSON(u)
	if dec != nil {
		if dec.Nested != nil {
			j.Nested = toJSON(dec.Nested)
		} else {
			s := string(dec.Plaintext)
			j.Plaintext = &s
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

// Renderer draws a decoded token for people.
type Renderer struct {
	Style    shared.Style
	Now      time.Time
	Location *time.Location
}

// maxValue bounds how much of one value the human view prints; --json
// prints everything.
const maxValue = 400

// Render writes the human view of u (and of its decryption, if any).
func (r Renderer) Render(w io.Writer, u *token.Unverified, dec *token.Decrypted) {
	s := r.Style
	if u.Kind == token.KindJWE {
		fmt.Fprintf(w, "%s encrypted token (JWE, alg %s, enc %s)\n\n", s.Yellow("ENCRYPTED"), u.Alg(), u.Header["enc"])
		r.section(w, "Protected header", u.HeaderKeys, u.Header, token.ExplainHeader)
		if dec == nil {
			fmt.Fprintf(w, "\n%s\n", s.Dim("The payload is encrypted; pass --key FILE to decrypt it."))
			return
		}
		fmt.Fprintf(w, "\n%s with the key%s\n\n", s.Green("Decrypted"), kid(dec.KeyID))
		if dec.Nested == nil {
			fmt.Fprintf(w, "%s\n%s\n", s.Bold("Plaintext"), truncate(string(dec.Plaintext)))
			return
		}
		u = dec.Nested
		if u.Kind == token.KindJWE {
			r.section(w, "Nested protected header", u.HeaderKeys, u.Header, token.ExplainHeader)
			return
		}
	}
	fmt.Fprintf(w, "%s %s\n\n", s.Yellow("UNVERIFIED:"), s.Dim("decoded only; run `ssokit token verify` to check signature and claims"))
	r.section(w, "Header", u.HeaderKeys, u.Header, token.ExplainHeader)
	fmt.Fprintln(w)
	r.section(w, "Claims", u.ClaimKeys, u.Claims, token.ExplainClaim)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s\n  %s, %d bytes%s\n", s.Bold("Signature"), u.Alg(), len(u.Signature), kid(u.KeyID()))
	if !token.IsSignatureAlg(u.Alg()) {
		fmt.Fprintf(w, "  %s\n", s.Red(fmt.Sprintf("alg %q is not a signature algorithm ssokit accepts", u.Alg())))
	}
}

func kid(k string) string {
	if k == "" {
		return ""
	}
	return fmt.Sprintf(", kid %q", k)
}

func (r Renderer) section(w io.Writer, title string, keys []string, m map[string]any, explain func(string) string) {
	s := r.Style
	fmt.Fprintln(w, s.Bold(title))
	width := 0
	for _, k := range keys {
		width = max(width, len([]rune(token.Printable(k))))
	}
	vals := make([]string, len(keys))
	vwidth := 0
	for i, k := range keys {
		vals[i] = r.value(k, m[k])
		if !strings.Contains(vals[i], "\n") {
			vwidth = max(vwidth, shared.VisibleLen(vals[i]))
		}
	}
	vwidth = min(vwidth, 48)
	for i, k := range keys {
		line := "  " + s.Cyan(shared.Pad(token.Printable(k), width)) + "  " + shared.Pad(vals[i], vwidth)
		if e := explain(k); e != "" {
			line += "  " + s.Dim(e)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func (r Renderer) value(name string, v any) string {
	if token.IsNumericDate(name) {
		if t, ok := token.NumericDate(v); ok {
			rel := token.Relative(name, t, r.Now)
			if name == "exp" && t.Before(r.Now) {
				rel = r.Style.Red(rel)
			}
			return t.In(r.Location).Format(time.RFC3339) + " (" + rel + ")"
		}
	}
	if str, ok := v.(string); ok {
		return truncate(str)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(b))
}

func truncate(s string) string {
	s = token.Printable(s)
	if len(s) <= maxValue {
		return s
	}
	cut := maxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes; --json shows all)", s[:cut], len(s))
}
