package autograd

// This file declares the op table's cumulative family: scans, sorting and
// reordering along an axis.

// cumulativeOps returns the cumulative family's entries.
func cumulativeOps() []OpInfo {
	return nil
}
