//go:build !race

package layers_test

// rnnRace is true under the race detector, whose instrumentation
// allocates: the allocation tests skip then.
const rnnRace = false
