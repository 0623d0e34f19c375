package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Split divides the row indices 0..n-1 into a training set and a test set of
// round(testFrac·n) indices, after shuffling them with rng: the same rng
// state gives the same split, and neither set is in any particular order.
// With a nil rng nothing is shuffled: the test set is the last rows, in
// order, which suits data whose order matters (a time series).
//
// Together train and test hold every index exactly once. Split returns an
// error when testFrac is not strictly between 0 and 1, or when either set
// would be empty (too few rows for that fraction). Apply the indices to a
// Table with Take, to labels with Gather.
func Split(n int, testFrac float64, rng *rand.Rand) (train, test []int, err error) {
	if !(testFrac > 0 && testFrac < 1) {
		return nil, nil, fmt.Errorf("data: Split: test fraction %g, want one strictly between 0 and 1", testFrac)
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("data: Split: %d rows", n)
	}
	nTest := int(math.Round(testFrac * float64(n)))
	if nTest == 0 || nTest == n {
		return nil, nil, fmt.Errorf("data: Split: %d rows with a test fraction of %g leave %d for training and %d for testing; neither may be empty",
			n, testFrac, n-nTest, nTest)
	}
	var perm []int
	if rng != nil {
		perm = rng.Perm(n)
	} else {
		perm = make([]int, n)
		for i := range perm {
			perm[i] = (i + n - nTest) % n // the last nTest rows first
		}
	}
	return perm[nTest:n:n], perm[:nTest:nTest], nil
}
