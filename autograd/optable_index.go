package autograd

// This file declares the op table's index family: gathering and scattering
// by index.

// indexOps returns the index family's entries.
func indexOps() []OpInfo {
	return nil
}
