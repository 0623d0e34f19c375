package outpath

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFileAndDir checks the message for every kind of bad output path, that
// good ones pass, and that the checks leave nothing behind: no probe file,
// no created directory.
func TestFileAndDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name  string
		check func(flag, path string) error
		path  string
		want  string // "" for no error
	}{
		{"File: new file", File, filepath.Join(dir, "m.st"), ""},
		{"File: existing file", File, file, ""},
		{"File: a directory", File, dir, "-save " + dir + " is a directory: give the name of a file to write"},
		{"File: no such directory", File, filepath.Join(missing, "m.st"),
			"-save " + filepath.Join(missing, "m.st") + ": the directory " + missing + " does not exist"},
		{"File: in a file", File, filepath.Join(file, "m.st"),
			"-save " + filepath.Join(file, "m.st") + ": " + file + " is not a directory"},
		{"Dir: existing", Dir, dir, ""},
		{"Dir: to create", Dir, filepath.Join(missing, "a", "b"), ""},
		{"Dir: a file", Dir, file, "-save " + file + " is not a directory"},
		{"Dir: under a file", Dir, filepath.Join(file, "a", "b"),
			"-save " + filepath.Join(file, "a", "b") + ": " + file + " is not a directory"},
	}
	for _, tt := range tests {
		err := tt.check("save", tt.path)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: error %q, want %q", tt.name, got, tt.want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"file"}, names); diff != "" {
		t.Errorf("the checks left files behind (-want +got):\n%s", diff)
	}
}

// TestReadOnly checks that a directory that takes no new file is refused,
// for File and Dir. Root writes anywhere, so it is skipped for root.
func TestReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write into a read-only directory")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{File("save", filepath.Join(dir, "m.st")), Dir("plots", filepath.Join(dir, "plots"))} {
		if err == nil {
			t.Errorf("no error for a path in the read-only %s", dir)
		}
	}
}
