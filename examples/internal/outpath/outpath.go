// Package outpath checks the examples' output paths before a run, so that
// a -save or -plots flag that names a place where nothing can be written
// fails at once with a clear message, not after minutes of training.
package outpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// File checks that a file can be written at path, the value of the flag
// named flag: path is not a directory, and its directory exists and takes
// a new file (one is created there and removed). A file already at path
// will be replaced, which is no error.
func File(flag, path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("-%s %s is a directory: give the name of a file to write", flag, path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case missing(err):
		return fmt.Errorf("-%s %s: the directory %s does not exist", flag, path, dir)
	case err != nil:
		return fmt.Errorf("-%s %s: %w", flag, path, err)
	case !fi.IsDir():
		return fmt.Errorf("-%s %s: %s is not a directory", flag, path, dir)
	}
	if err := probe(dir); err != nil {
		return fmt.Errorf("-%s %s: %w", flag, path, err)
	}
	return nil
}

// Dir checks that files can be written into the directory path, the value
// of the flag named flag, which is created if needed: path is a directory
// that takes a new file, or does not exist and its nearest existing
// ancestor is a directory that takes one (one is created there and
// removed). It creates nothing that stays.
func Dir(flag, path string) error {
	existing := path
	for {
		fi, err := os.Stat(existing)
		if missing(err) && filepath.Dir(existing) != existing {
			existing = filepath.Dir(existing)
			continue
		}
		switch {
		case err != nil:
			return fmt.Errorf("-%s %s: %w", flag, path, err)
		case !fi.IsDir() && existing == path:
			return fmt.Errorf("-%s %s is not a directory", flag, path)
		case !fi.IsDir():
			return fmt.Errorf("-%s %s: %s is not a directory", flag, path, existing)
		}
		break
	}
	if err := probe(existing); err != nil {
		return fmt.Errorf("-%s %s: %w", flag, path, err)
	}
	return nil
}

// missing reports whether err, from os.Stat, says that there is no such
// file: none of that name, or a file where a directory of the path should be.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// probe creates a file in dir and removes it, to find out whether files can
// be written there (permissions alone do not say so: a read-only file
// system, or a user who is root).
func probe(dir string) error {
	f, err := os.CreateTemp(dir, ".outpath-probe-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write into %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
