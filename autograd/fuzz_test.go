package autograd_test

import "testing"

// FuzzRandomGraph builds a random expression graph from the fuzzer's bytes
// (the generator of property_generator_test.go, one byte per decision: the number of
// inputs, their shapes and data seeds, each op, its operands, axes and
// constants; bytes past the end read 0) and checks the same properties as
// TestRandomGraphs: gradcheck against finite differences, Grad equal to
// Backward bit for bit, forward mode against reverse mode, and
// GradGradCheck for small graphs when the byte after the graph says so. A failure prints the graph as a program.
//
// Its seed corpus, testdata/fuzz/FuzzRandomGraph, runs with every go test.
// To fuzz:
//
//	go test ./autograd -run '^$' -fuzz FuzzRandomGraph -fuzztime 5m
func FuzzRandomGraph(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &byteChooser{data: data}
		g, err := rgGenerate(src, -1)
		if err != nil {
			t.Fatal(err)
		}
		gradgrad := g.smallForGradGrad() && src.intn(2, "gradgradcheck") == 1
		res := rgCheck(g, gradgrad)
		switch {
		case res.err != nil:
			t.Fatal(res.err)
		case res.skip != "":
			t.Skip(res.skip)
		}
	})
}
