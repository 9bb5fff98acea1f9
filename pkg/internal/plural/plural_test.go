package plural

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Count(0, "user"), "0 users"},
		{Count(1, "user"), "1 user"},
		{Count(2, "user"), "2 users"},
		{Count(1, "entry", "entries"), "1 entry"},
		{Count(3, "entry", "entries"), "3 entries"},
		{Noun(1, "file"), "file"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
