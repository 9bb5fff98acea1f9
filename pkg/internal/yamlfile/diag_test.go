package yamlfile

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

func TestDiagCaret(t *testing.T) {
	r := NewReader("f.yaml", []byte("a: 1\nkey: value\n"))
	r.Add(Pos{Line: 2, Col: 6}, 99, "bad %s", "value")
	want := "f.yaml:2:6: bad value\n     2 | key: value\n       |      ^~~~~"
	if got := r.Err().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
