//go:build !race

package layers_test

// underRace reports whether the tests run under the race detector, whose
// instrumentation allocates: allocation counts are meaningless then.
const underRace = false
