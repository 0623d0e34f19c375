//go:build race

package autograd_test

// raceEnabled skips allocation counts under the race detector, whose
// instrumentation allocates.
const raceEnabled = true
