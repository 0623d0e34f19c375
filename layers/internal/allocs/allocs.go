// Package allocs counts heap allocations exactly, for the tests of package
// layers and of the packages under it (optim, parallel, data) that promise
// a warm step allocates nothing.
//
// testing.AllocsPerRun returns the mean number of allocations per run as an
// integer, floored: over n runs it reports 0 for up to n-1 allocations, so
// a step that allocates once every few calls passes unseen. Count returns
// the total instead.
package allocs

import (
	"math"
	"runtime"
)

// Count returns the number of heap allocations made by runs calls of f,
// after one call to warm it up, from the runtime's count of allocated
// objects (runtime.MemStats.Mallocs): the total, not testing.AllocsPerRun's
// floored mean, which reports 0 for fewer allocations than runs. Like
// AllocsPerRun it runs with GOMAXPROCS 1, so that no other goroutine's
// allocations are counted.
//
// The runtime allocates too, now and then and at random: it grows the
// cache of a type assertion or a type switch to an interface on about one
// miss in a thousand (runtime.typeAssert), and the engine asserts on the
// many op types of a graph. So a window of runs that allocates is measured
// again, up to three times in all, and Count returns the least count.
// Code that allocates in every call, or in one call of every few, shows
// in every window; the runtime's cache updates almost never twice in a row.
func Count(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		least = min(least, after.Mallocs-before.Mallocs)
		if least == 0 {
			break
		}
	}
	return least
}
