package browser

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestFramingBlocked(t *testing.T) {
	self := mustURL(t, "http://localhost:9400/authorize")
	tests := []struct {
		csp, xfo, top string
		blocked       bool
	}{
		{"", "", "http://127.0.0.1:5102/", false},
		{"frame-ancestors 'none'", "", "http://localhost:5102/", true},
		{"default-src 'self'; frame-ancestors 'self'", "", "http://localhost:9400/app", false},
		{"frame-ancestors 'self'", "", "http://localhost:5102/", true},
		{"frame-ancestors http://localhost:5102", "", "http://localhost:5102/", false},
		{"frame-ancestors http://localhost:5102", "", "http://localhost:5103/", true},
		{"frame-ancestors http://localhost:*", "", "http://localhost:5103/", false},
		{"frame-ancestors http://*.localhost:*", "", "http://app.localhost:5103/", false},
		{"frame-ancestors http://*.localhost:*", "", "http://localhost:5103/", true},
		{"frame-ancestors https://app.example.com", "", "http://app.example.com/", true},
		{"frame-ancestors http://app.example.com", "", "https://app.example.com/", false}, // http: upgrades to https
		{"frame-ancestors https:", "", "https://x.example/", false},
		{"frame-ancestors *", "DENY", "http://127.0.0.1:5102/", false}, // CSP wins over XFO
		{"", "DENY", "http://localhost:9400/", true},
		{"", "SAMEORIGIN", "http://localhost:9400/", false},
		{"", "sameorigin", "http://localhost:5102/", true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.csp != "" {
			h.Set("Content-Security-Policy", tt.csp)
		}
		if tt.xfo != "" {
			h.Set("X-Frame-Options", tt.xfo)
		}
		why := FramingBlocked(h, self, []*url.URL{mustURL(t, tt.top)})
		if (why != "") != tt.blocked {
			t.Errorf("CSP %q XFO %q in %s: blocked=%q, want blocked=%t", tt.csp, tt.xfo, tt.top, why, tt.blocked)
		}
	}
	if why := FramingBlocked(http.Header{"X-Frame-Options": {"DENY"}}, self, nil); why != "" {
		t.Error("a top-level document is never framed")
	}
	h := http.Header{"Content-Security-Policy": {"frame-ancestors 'none'"}}
	if why := FramingBlocked(h, self, []*url.URL{mustURL(t, "http://localhost:5102/")}); !strings.Contains(why, "frame-ancestors 'none'") {
		t.Errorf("reason %q", why)
	}
}
