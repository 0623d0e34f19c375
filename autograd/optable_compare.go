package autograd

// This file declares the op table's compare family: comparisons, logical
// operations and tests of values, whose results are masks with no
// gradient.

// compareOps returns the compare family's entries.
func compareOps() []OpInfo {
	return nil
}
