package main

import "testing"

// TestTrain checks, for several seeds, that every prediction of the trained
// network is on the right side of 0.5, and by a margin.
func TestTrain(t *testing.T) {
	ab, xor := truthTable()
	for seed := uint64(1); seed <= 8; seed++ {
		got := train(seed)
		if len(got) != len(xor) {
			t.Fatalf("seed %d: %d predictions, want %d", seed, len(got), len(xor))
		}
		for i, p := range got {
			if wrong := (p >= 0.5) != (xor[i] == 1); wrong || p > 0.1 && p < 0.9 {
				t.Errorf("seed %d: %v xor %v predicted %.3f, want close to %v",
					seed, ab[2*i], ab[2*i+1], p, xor[i])
			}
		}
	}
}

// Example runs the program: the four rows of the truth table and the
// network's predicted probability that each is 1.
func Example() {
	main()
	// Output:
	// 0 xor 0 = 0: predicted 0.000
	// 0 xor 1 = 1: predicted 1.000
	// 1 xor 0 = 1: predicted 1.000
	// 1 xor 1 = 0: predicted 0.001
}
