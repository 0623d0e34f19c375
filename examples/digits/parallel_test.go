package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestWorkersSameRun trains the CNN for one epoch with 1 and 3 goroutine
// workers and checks that everything printed after the header (losses,
// accuracies, the confusion matrix) is the same: the weights are the same
// bits.
func TestWorkersSameRun(t *testing.T) {
	header := regexp.MustCompile(`(?m)^Adam, .*\n`)
	var outs []string
	for _, w := range []string{"1", "3"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-model", "cnn", "-epochs", "1", "-workers", w, "-plots", ""}, &stdout, &stderr); code != 0 {
			t.Fatalf("-workers %s: exit %d: %s", w, code, &stderr)
		}
		if !strings.Contains(stdout.String(), "on "+w+" goroutine worker(s)") {
			t.Errorf("-workers %s: the header does not say so:\n%s", w, &stdout)
		}
		outs = append(outs, header.ReplaceAllString(stdout.String(), ""))
	}
	if outs[0] != outs[1] {
		t.Errorf("1 and 3 workers differ:\n%s\n---\n%s", outs[0], outs[1])
	}
	if !strings.Contains(outs[0], "test accuracy") {
		t.Errorf("no test accuracy in\n%s", outs[0])
	}
}

// TestParallelFlags checks the flags of the parallel trainer.
func TestParallelFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-workers", "9"}, 2, "-workers must be between 0 and 8, got 9"},
		{[]string{"-workers=-1"}, 2, "-workers must be between 0 and 8, got -1"},
		{[]string{"-mpi", "-workers", "2"}, 2, "leave -workers at 0"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
}
