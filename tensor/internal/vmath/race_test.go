//go:build race

package vmath

// raceEnabled shrinks the accuracy sweep under the race detector, which
// slows the reference loops down tenfold and checks nothing in them.
const raceEnabled = true
