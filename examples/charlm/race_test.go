//go:build race

package main

// raceEnabled reports whether the tests run under the race detector, which
// slows the training loops about twentyfold.
const raceEnabled = true
