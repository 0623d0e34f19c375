package main

import (
	"bytes"
	"regexp"
	"testing"
)

// TestRunDiverges trains with a learning rate so large that the weights
// overflow: the first NaN gradient stops the run with status 1 and an error
// naming the step and the parameter (from ClipGradNorm), instead of
// training on with NaN weights.
func TestRunDiverges(t *testing.T) {
	text := tinyText(t)
	want := regexp.MustCompile(`^charlm: step \d+ \(loss NaN\): optim: ClipGradNorm: total norm is NaN: gradient of parameter \d+ \("[^"]*"\) holds NaN; gradients left unscaled\n$`)
	for _, model := range modelNames() {
		t.Run(model, func(t *testing.T) {
			args := append(quickArgs(model, text), "-lr", "1e30")
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 1 {
				t.Errorf("run(%q) = %d, want 1", args, code)
			}
			if !want.MatchString(stderr.String()) {
				t.Errorf("stderr %q does not match %s", &stderr, want)
			}
		})
	}
}
