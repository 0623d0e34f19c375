package autograd

import "testing"

// TestArenaSlotMemory checks how an Arena's slot reuses its memory across
// steps: a smaller shape reuses a prefix of it when it needs at least half
// (batches of 16 and 17 rows share one buffer), and a much smaller one gets
// memory of its own size, letting the large buffer go (a review measured
// 67.6 MiB held where 7.6 MiB were needed, each slot keeping the largest
// tensor it ever held).
func TestArenaSlotMemory(t *testing.T) {
	a := NewArena[float64]()
	a.Reset()
	big := a.tensor(17, 8)
	a.Reset()
	near := a.tensor(16, 8)
	if &near.Data()[0] != &big.Data()[0] {
		t.Error("[16 8] after [17 8]: new memory, want a prefix of the slot's")
	}
	a.Reset()
	if again := a.tensor(17, 8); again != big {
		t.Error("[17 8] again: a new header, want the slot's first one")
	}
	a.Reset()
	a.tensor(1000, 1000)
	a.Reset()
	small := a.tensor(10)
	if got := cap(a.vals[0].buf); got != 10 {
		t.Errorf("[10] after [1000 1000]: the slot holds %d elements, want 10 (the large buffer let go)", got)
	}
	if len(small.Data()) != 10 {
		t.Errorf("[10]: %d elements", len(small.Data()))
	}
}
