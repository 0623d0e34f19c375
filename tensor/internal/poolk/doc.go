// Package poolk holds the kernels of the most common pooling window, 2×2
// with stride 2, no padding and no dilation (a CNN's "MaxPool2d(2)"): the
// forward pass, which keeps each window's maximum and its tap, and the
// gradient scatter, which routes each pooled gradient to its tap.
//
// The windows tile the plane without overlapping, so both passes work on
// pairs of rows. The portable Go loops (portable.go) are the reference and
// the only path off amd64 or with the purego build tag; on amd64 with
// AVX-512 the assembly of kernels_amd64.s, written by the generator in
// ./gen, takes over at run time. Both give the same bits: the assembly
// runs the portable code's tournament lane by lane and moves the inputs'
// bits without arithmetic (the scatter's one addition, g + 0, is the same
// IEEE operation in both).
package poolk

//go:generate go run ./gen
