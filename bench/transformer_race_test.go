//go:build race

package bench

// underRace reports whether the tests run under the race detector, whose
// instrumentation allocates: allocation counts are meaningless then.
const underRace = true
