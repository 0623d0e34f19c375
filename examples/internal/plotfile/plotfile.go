// Package plotfile writes the examples' pictures so that a reader never
// sees half of one: through a temporary file in the same directory,
// renamed into place.
package plotfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteAtomic writes what w renders to path, mode 0644, through a temporary
// file in path's directory renamed into place; on failure it removes the
// temporary file and leaves path as it was. Errors name the path.
func WriteAtomic(path string, w io.WriterTo) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
			err = fmt.Errorf("plots: %s: %w", path, err)
		}
	}()
	if err := f.Chmod(0o644); err != nil { // CreateTemp's 0600 is for secrets
		f.Close()
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
