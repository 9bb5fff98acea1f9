package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, tt := range []struct {
		s    string
		in   []string
		want string
	}{
		{"slient", []string{"login", "silent"}, "silent"},
		{"rs265", []string{"RS256", "ES256"}, "RS256"},
		{"stripp", []string{"strip_prefix", "keep_host"}, "strip_prefix"},
		{"reakt", []string{"react", "vue"}, "react"},
		{"xyz", []string{"react", "vue"}, ""},
		{"zzzzzz", []string{"strip_prefix"}, ""},
	} {
		if got := Closest(tt.s, tt.in); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
