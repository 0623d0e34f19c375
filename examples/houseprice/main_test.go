package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRunFlags checks that bad flags print a message on stderr and give exit
// status 2 without training, and that -h gives 0.
func TestRunFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // substring of stderr
	}{
		{"negative epochs", []string{"-epochs", "-1"}, 2, "-epochs must be positive"},
		{"zero epochs", []string{"-epochs=0"}, 2, "-epochs must be positive"},
		{"epochs not a number", []string{"-epochs", "ten"}, 2, `invalid value "ten" for flag -epochs`},
		{"lr not a number", []string{"-lr", "abc"}, 2, `invalid value "abc" for flag -lr`},
		{"zero lr", []string{"-lr", "0"}, 2, "-lr must be positive"},
		{"negative lr", []string{"-lr=-0.1"}, 2, "-lr must be positive"},
		{"NaN lr", []string{"-lr", "NaN"}, 2, "-lr must be positive and finite"},
		{"infinite lr", []string{"-lr", "Inf"}, 2, "-lr must be positive and finite"},
		{"zero batch", []string{"-batch", "0"}, 2, "-batch must be positive"},
		{"momentum 1", []string{"-momentum", "1"}, 2, "-momentum must be in [0, 1)"},
		{"negative momentum", []string{"-momentum", "-0.5"}, 2, "-momentum must be in [0, 1)"},
		{"negative seed", []string{"-seed", "-3"}, 2, `invalid value "-3" for flag -seed`},
		{"unknown flag", []string{"-nosuch"}, 2, "flag provided but not defined: -nosuch"},
		{"missing value", []string{"-dot"}, 2, "flag needs an argument: -dot"},
		{"positional argument", []string{"extra"}, 2, `unexpected arguments ["extra"]`},
		{"help", []string{"-h"}, 0, "Usage of houseprice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, code, tt.wantCode, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", &stderr, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty, training ran:\n%s", &stdout)
			}
		})
	}
}

// TestRunQuick runs the program for a few epochs and checks its output line
// by line, and that the same seed reproduces it exactly.
func TestRunQuick(t *testing.T) {
	args := []string{"-epochs", "4", "-seed", "3"}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d, want 0; stderr:\n%s", args, code, &stderr)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr not empty:\n%s", &stderr)
	}
	out := stdout.String()
	for _, re := range []string{
		`(?m)^Boston housing: 506 houses, RM LSTAT PTRATIO DIS -> MEDV \(k\$\); 405 train, 101 test \(seed 3\)$`,
		`(?m)^network \[4 5 1\], sigmoid; SGD lr 0\.5, momentum 0\.9, batch 32, epochs 4$`,
		`(?m)^first batch: max \|Backward - hand-derived gradient\| = \S+$`,
		`(?m)^epoch +1  train loss \d+\.\d+$`,
		`(?m)^epoch +4  train loss \d+\.\d+$`,
		`(?m)^test RMSE +\d+\.\d\d k\$  \(network, 101 test houses\)$`,
		`(?m)^baseline RMSE +\d+\.\d\d k\$  \(always the training mean, \d+\.\d\d k\$\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}

	var again bytes.Buffer
	run(args, &again, &stderr)
	if again.String() != out {
		t.Errorf("same seed, different output:\n%s\nthen:\n%s", out, &again)
	}
}

// TestTrainDefaults trains with the default flags and checks the claims the
// program makes: Backward matches the hand-derived gradients to rounding,
// the training loss is small, and the network clearly beats predicting the
// training mean.
func TestTrainDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("full training run")
	}
	cfg, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := train(cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.nTrain != 405 || rep.nTest != 101 {
		t.Errorf("split %d/%d, want 405/101", rep.nTrain, rep.nTest)
	}
	if rep.gradDiff > 1e-15 {
		t.Errorf("max |Backward - hand-derived| = %g, want ≤ 1e-15", rep.gradDiff)
	}
	if rep.testRMSE > 0.7*rep.baselineRMSE {
		t.Errorf("test RMSE %.2f k$ does not beat 0.7 × baseline %.2f k$\n%s", rep.testRMSE, rep.baselineRMSE, &out)
	}
	// The printed numbers are the measured ones.
	m := regexp.MustCompile(`test RMSE +(\S+) k\$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no test RMSE line in:\n%s", &out)
	}
	if printed, _ := strconv.ParseFloat(m[1], 64); printed != roundTo2(rep.testRMSE) {
		t.Errorf("printed test RMSE %s, measured %.4f", m[1], rep.testRMSE)
	}
}

// roundTo2 rounds to two decimals, as the program prints.
func roundTo2(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return f
}

// TestRunDOT checks that -dot writes the graph of one training step with the
// article's names on it, and that an unwritable path is a run error (1).
func TestRunDOT(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step.dot")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-epochs", "1", "-dot", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, &stderr)
	}
	if !strings.Contains(stdout.String(), "wrote the graph of one training step to "+path) {
		t.Errorf("stdout does not mention the DOT file:\n%s", &stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dot := string(b)
	if !strings.HasPrefix(dot, "digraph") {
		t.Errorf("not a DOT digraph:\n%s", dot)
	}
	// One node per line: its label (name, operation, shape, type) and, for
	// a parameter, the shaded box. Batches are 32 houses.
	for _, want := range []string{
		`label="X\n[4 32] float64", shape="box"`,
		`label="Y\n[1 32] float64", shape="box"`,
		`label="Wih\n[4 5] float64", fillcolor="lightblue"`,
		`label="bih\n[] float64", fillcolor="lightblue"`,
		`label="Who\n[5 1] float64", fillcolor="lightblue"`,
		`label="bho\n[] float64", fillcolor="lightblue"`,
		`label="Wihᵀ·X = MatMul(Aᵀ·B)\n[5 32] float64"`,
		`label="Z1 = Add\n[5 32] float64"`,
		`label="h1 = Sigmoid\n[5 32] float64"`,
		`label="Whoᵀ·h1 = MatMul(Aᵀ·B)\n[1 32] float64"`,
		`label="Z2 = Add\n[1 32] float64"`,
		`label="O = Sigmoid\n[1 32] float64"`,
		`label="E = Scale\n[] float64"`,
		`label="loss = Scale\n[] float64", peripheries="2"`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT output lacks %s", want)
		}
	}
	if n := strings.Count(dot, " -> "); n != 16 {
		t.Errorf("DOT output has %d edges, want 16 (17 nodes in a tree)", n)
	}

	stdout.Reset()
	stderr.Reset()
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "step.dot")
	if code := run([]string{"-epochs", "1", "-dot", bad}, &stdout, &stderr); code != 1 {
		t.Errorf("unwritable -dot: exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "houseprice:") {
		t.Errorf("stderr does not report the failure: %q", &stderr)
	}
}
