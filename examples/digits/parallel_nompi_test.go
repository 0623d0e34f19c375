//go:build !mpi

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMPIFlagWithoutTag: -mpi in a build without the mpi tag says how to
// get one, and fails.
func TestMPIFlagWithoutTag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-mpi"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "-tags mpi") {
		t.Errorf("run(-mpi) = %d, stderr %q", code, &stderr)
	}
}
