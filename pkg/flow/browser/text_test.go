package browser

import "testing"

func TestVisibleText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		// node-oidc-provider 9's error page
		{"oidc-provider", `<!DOCTYPE html><html><head><meta charset="utf-8"><title>oops! something went wrong</title><style>body{font-family:sans-serif}</style></head>
<body><div><h1>oops! something went wrong</h1><pre><strong>error</strong>: invalid_redirect_uri
<strong>error_description</strong>: redirect_uri did not match any of the client&#39;s registered redirect_uris</pre></div></body></html>`,
			"oops! something went wrong · error: invalid_redirect_uri · error_description: redirect_uri did not match any of the client's registered redirect_uris"},
		// dex's login page with its error
		{"dex", `<html><head><script>var x = "<p>not this</p>";</script></head><body><!-- hidden -->
<div class="dex-container"><h2 class="theme-heading">Log in to Your Account</h2>
<div id="login-error" class="dex-error-box">Invalid Email Address and password.</div></div></body></html>`,
			"Log in to Your Account · Invalid Email Address and password."},
		{"plain", "no markup at all", "no markup at all"},
	}
	for _, tt := range tests {
		if got := VisibleText([]byte(tt.in), 0); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if got := VisibleText([]byte("<p>abcdef</p>"), 3); got != "abc…" {
		t.Errorf("truncated: %q", got)
	}
}
