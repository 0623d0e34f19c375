//go:build !race

package parallel_test

// raceEnabled: the race detector allocates, so allocation counts are not checked.
const raceEnabled = false
