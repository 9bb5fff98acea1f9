package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder captures Errorf/Fatalf without failing the real test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return "TestX" }
func (r *recorder) Errorf(f string, a ...any) { r.fail(sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.fail(sprintf(f, a...)) }
func (r *recorder) Fatal(a ...any)            { r.fail(fmt.Sprint(a...)) }

// fail keeps the first message: the recorder cannot stop the caller as a
// real Fatal does.
func (r *recorder) fail(msg string) {
	if !r.failed {
		r.failed, r.msg = true, msg
	}
}

func TestEqualAndUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.golden")

	r := &recorder{TB: t}
	EqualString(r, path, "hello\n")
	if !r.failed || !strings.Contains(r.msg, "-update creates it") {
		t.Fatalf("missing file: failed=%v %q", r.failed, r.msg)
	}

	if err := flag.Set("update", "true"); err != nil {
		t.Fatal(err)
	}
	EqualString(t, path, "hello\n")
	if err := flag.Set("update", "false"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "hello\n" {
		t.Fatalf("-update wrote %q, %v", b, err)
	}

	r = &recorder{TB: t}
	EqualString(r, path, "hello\n")
	if r.failed {
		t.Fatalf("equal output failed: %s", r.msg)
	}

	r = &recorder{TB: t}
	EqualString(r, path, "world\n")
	if !r.failed || !strings.Contains(r.msg, "-hello") || !strings.Contains(r.msg, "+world") {
		t.Fatalf("want a unified diff, got %q", r.msg)
	}
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
