// Package gentest checks that a package's generated files are what its
// generator writes, for the drift tests of the packages whose assembly and
// Go kernels come from a ./gen program.
package gentest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Check runs the generator ./gen of the package in the current directory
// (a test's working directory is its package's) with -dir set to a
// temporary directory, and fails t when it writes fewer than minFiles or
// more than maxFiles files or when any of them differs from the committed
// file of the same name. pkg is the package's directory from the module
// root, named in the failure message. It skips under -short (it builds and
// runs the generator) and when there is no go command.
func Check(t *testing.T, pkg string, minFiles, maxFiles int) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	dir := t.TempDir()
	if b, err := exec.Command(gobin, "run", "./gen", "-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) < minFiles || len(files) > maxFiles {
		t.Fatalf("the generator wrote %v (%v), want %d to %d files", files, err, minFiles, maxFiles)
	}
	for _, f := range files {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; run go generate in %s", filepath.Base(f), pkg)
		}
	}
}
