// Package graph provides structure-only algorithms over directed acyclic
// graphs, used by the autodiff engine to order and visualise computation
// graphs without knowing anything about values or gradients.
//
// A graph is never stored explicitly. Callers describe it with a set of root
// nodes and an inputs function that returns the direct inputs of a node (nil
// for a leaf). Nodes may be any comparable type, typically pointers such as
// *autograd.Var[T].
//
// The two entry points are:
//
//   - [TopoSort], which returns every node reachable from the roots, inputs
//     first and roots last. Reverse-mode differentiation walks this order
//     backwards. It is iterative, so very deep graphs (long chains produced by
//     loops or recurrent models) do not overflow the goroutine stack.
//   - [WriteDOT], which renders the same reachable graph in Graphviz DOT
//     format for debugging; pipe the output to "dot -Tsvg" to view it.
//
// Both functions are deterministic: for the same roots and the same inputs
// function they produce the same order and the same bytes, which keeps tests
// and diffs stable.
package graph
