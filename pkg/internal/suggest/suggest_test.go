package suggest

import (
	"strings"
	"testing"
)

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

func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct {
		s    string
		in   []string
		want string
	}{
		{"tokn", []string{"authorize", "token"}, `; did you mean "token"?`},
		{"TOKEN", []string{"token"}, `; did you mean "token"?`}, // case is ignored, the candidate's spelling kept
		{"x", []string{"token"}, ""},
		{"token", nil, ""},
		{`a"b`, []string{`a"c`}, `; did you mean "a\"c"?`}, // quoted, so odd candidates stay readable
	} {
		if got := DidYouMean(tt.s, tt.in); got != tt.want {
			t.Errorf("DidYouMean(%q, %q) = %q, want %q", tt.s, tt.in, got, tt.want)
		}
	}
}

func TestClosestRules(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    string
		in   []string
		want string
	}{
		{"exact match wins over a near one", "token", []string{"tokens", "token"}, "token"},
		{"first of equally close candidates", "cat", []string{"bat", "hat"}, "bat"},
		{"distance 2 is close", "abcd", []string{"abXY"}, "abXY"},
		{"distance 3 is not", "abcd", []string{"aXYZ"}, ""},
		{"prefix rule needs 4 characters", "str", []string{"strip_prefix"}, ""},
		{"prefix within distance 1", "strx", []string{"strip_prefix"}, "strip_prefix"},
		{"prefix rule needs a longer candidate", "abcdefgh", []string{"abcd"}, ""},
		{"edit distance beats the prefix rule", "keep_hos", []string{"strip_prefix", "keep_host"}, "keep_host"},
		{"empty input finds a short candidate", "", []string{"ab", "abcdef"}, "ab"},
		{"over-long input is never close", strings.Repeat("a", 65), []string{strings.Repeat("a", 64)}, ""},
	} {
		if got := Closest(tt.s, tt.in); got != tt.want {
			t.Errorf("%s: Closest(%q, %q) = %q, want %q", tt.name, tt.s, tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"ab", "ba", 2}, // a transposition costs two edits
		{strings.Repeat("a", 65), "a", 99},
		{"a", strings.Repeat("a", 65), 99},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance is not symmetric for %q, %q: %d", tt.a, tt.b, got)
		}
	}
}
