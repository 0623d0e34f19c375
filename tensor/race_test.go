//go:build race

package tensor

// raceEnabled skips the largest accuracy sweeps under the race detector,
// which makes them minutes long; they run in the plain go test.
const raceEnabled = true
