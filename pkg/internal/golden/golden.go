// Package golden is the one golden-file helper: tests compare output with
// a file under testdata/, and `go test ./pkg/… -update` rewrites the files
// (review the diff before committing).
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/aymanbagabas/go-udiff"
)

func init() {
	// charmbracelet/x/exp/golden (which teatest imports) registers the same
	// flag; one -update then serves both.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/ with the current output")
	}
}

// Update reports whether the test run was given -update.
func Update() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Equal compares got with the golden file at path (relative to the test's
// package directory). With -update it writes got there instead, creating
// directories as needed. A difference is reported as a unified diff.
func Equal(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run '%s' -update creates it)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (go test -run '%s' -update rewrites it; review the diff):\n%s",
			path, t.Name(), udiff.Unified(path, "got", string(want), string(got)))
	}
}

// EqualString is Equal for text.
func EqualString(t testing.TB, path, got string) {
	t.Helper()
	Equal(t, path, []byte(got))
}
