package yamlfile

import "testing"

func TestDiagCaret(t *testing.T) {
	r := NewReader("f.yaml", []byte("a: 1\nkey: value\n"))
	r.Add(Pos{Line: 2, Col: 6}, 99, "bad %s", "value")
	want := "f.yaml:2:6: bad value\n     2 | key: value\n       |      ^~~~~"
	if got := r.Err().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
