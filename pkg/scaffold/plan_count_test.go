package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanNotEmptyCount: a directory with one entry says "1 entry".
func TestPlanNotEmptyCount(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Plan(dir, nil, false)
	if !errors.Is(err, ErrDirNotEmpty) || !strings.Contains(err.Error(), "(1 entry)") {
		t.Fatalf("Plan: %v", err)
	}
}
