package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunMainArgs checks the command line: -h prints the usage and gives 0,
// a flag or an argument prints a message and gives 2 without running the
// suite (they were ignored), and no arguments run it.
func TestRunMainArgs(t *testing.T) {
	const usage = "usage: gradcheck\n\nIt gradient-checks the Swish example op and a broken variant; it takes no flags and no arguments.\n"
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"-h"}, 0, usage},
		{[]string{"-eps", "1e-3"}, 2, "flag provided but not defined: -eps\n" + usage},
		{[]string{"swish"}, 2, "gradcheck: unexpected arguments [\"swish\"]\n" + usage},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := runMain(tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("runMain(%q) = %d, want %d", tt.args, code, tt.code)
		}
		if stderr.String() != tt.stderr {
			t.Errorf("runMain(%q): stderr %q, want %q", tt.args, &stderr, tt.stderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("runMain(%q): the suite ran:\n%s", tt.args, &stdout)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runMain(nil, &stdout, &stderr); code != 0 || stderr.Len() != 0 || !strings.HasPrefix(stdout.String(), "ok    ") {
		t.Errorf("runMain(nil) = %d, stderr %q, stdout %q; want 0, nothing and the suite's report", code, &stderr, &stdout)
	}
}
