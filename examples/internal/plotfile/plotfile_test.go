package plotfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/examples/internal/plotfile"
)

type text string

func (t text) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, string(t))
	return int64(n), err
}

type failing struct{}

func (failing) WriteTo(w io.Writer) (int64, error) {
	io.WriteString(w, "half")
	return 4, errors.New("renderer broke")
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.png")
	if err := plotfile.WriteAtomic(path, text("first")); err != nil {
		t.Fatal(err)
	}
	err := plotfile.WriteAtomic(path, failing{})
	if err == nil || !strings.Contains(err.Error(), "p.png: renderer broke") {
		t.Errorf("error %v, want one naming the path and the cause", err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "first" {
		t.Errorf("after a failed write the file holds %q, want the previous %q", b, "first")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the directory, want only p.png (no temporary left behind)", len(entries))
	}
}
