package parallel

import (
	"sync"
	"testing"
	"time"
)

// TestBarrier has workers take turns writing one array between meetings:
// the race detector (go test -race) checks that each meeting orders them.
func TestBarrier(t *testing.T) {
	for _, c := range []struct {
		n    int
		spin time.Duration
	}{{2, spinFor}, {3, spinFor}, {2, 0}, {3, 0}} {
		n := c.n
		b := newBarrier(n)
		b.spin = c.spin // 0: every wait that spins blocks
		data := make([]int, 64)
		var wg sync.WaitGroup
		for w := range n {
			wg.Go(func() {
				for round := range 2000 {
					if round%n == w {
						for i := range data {
							data[i] += w + 1
						}
					}
					b.wait(w)
				}
			})
		}
		wg.Wait()
		sum := 0
		for w := range n {
			sum += (w + 1) * (2000 / n)
			if w < 2000%n {
				sum += w + 1
			}
		}
		for i, v := range data {
			if v != sum {
				t.Fatalf("n=%d: data[%d] = %d, want %d", n, i, v, sum)
			}
		}
	}
}
