package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestTrain checks, for several seeds, that every prediction of the trained
// network is on the right side of 0.5, and by a margin.
func TestTrain(t *testing.T) {
	ab, xor := truthTable()
	for seed := uint64(1); seed <= 8; seed++ {
		got := train(seed)
		if len(got) != len(xor) {
			t.Fatalf("seed %d: %d predictions, want %d", seed, len(got), len(xor))
		}
		for i, p := range got {
			if wrong := (p >= 0.5) != (xor[i] == 1); wrong || p > 0.1 && p < 0.9 {
				t.Errorf("seed %d: %v xor %v predicted %.3f, want close to %v",
					seed, ab[2*i], ab[2*i+1], p, xor[i])
			}
		}
	}
}

// TestRunArgs checks the command line: -h prints the usage and gives 0;
// an unknown flag, a bad value or an argument prints a message and gives
// 2, without training (they were ignored); -seed picks the seed.
func TestRunArgs(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		stderr     string // a substring of it
		stdoutRows int
	}{
		{[]string{"-h"}, 0, "Usage of xor:\n  -seed uint\n    \tseed of the initial weights (default 1)\n", 0},
		{[]string{"-epochs", "-1"}, 2, "flag provided but not defined: -epochs\nUsage of xor:", 0},
		{[]string{"-seed", "-1"}, 2, `invalid value "-1" for flag -seed`, 0},
		{[]string{"extra"}, 2, "xor: unexpected arguments [\"extra\"]\nUsage of xor:", 0},
		{[]string{"-seed", "2"}, 0, "", 4},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("run(%q) = %d, want %d", tt.args, code, tt.code)
		}
		if !strings.Contains(stderr.String(), tt.stderr) || tt.stderr == "" && stderr.Len() > 0 {
			t.Errorf("run(%q): stderr %q, want it to contain %q", tt.args, &stderr, tt.stderr)
		}
		if rows := strings.Count(stdout.String(), "\n"); rows != tt.stdoutRows {
			t.Errorf("run(%q): %d lines on stdout, want %d:\n%s", tt.args, rows, tt.stdoutRows, &stdout)
		}
	}
}

// Example runs the program: the four rows of the truth table and the
// network's predicted probability that each is 1.
func Example() {
	run(nil, os.Stdout, os.Stderr)
	// Output:
	// 0 xor 0 = 0: predicted 0.000
	// 0 xor 1 = 1: predicted 1.000
	// 1 xor 0 = 1: predicted 1.000
	// 1 xor 1 = 0: predicted 0.001
}
