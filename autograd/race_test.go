//go:build race

package autograd_test

// raceEnabled skips allocation counts under the race detector, whose
// instrumentation allocates, and shrinks the longest single-goroutine
// tests, which it makes minutes long (the plain go test runs them whole).
const raceEnabled = true
