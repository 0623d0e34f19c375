//go:build race

package graph

// raceEnabled shortens the longest single-goroutine test under the race
// detector, which slows its loops tenfold and checks nothing in them; the
// plain go test runs it whole.
const raceEnabled = true
