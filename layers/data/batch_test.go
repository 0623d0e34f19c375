package data_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// epochs runs k epochs of b and returns each epoch's batches, copied.
func epochs(b *data.Batches, k int) [][][]int {
	var out [][][]int
	for range k {
		var ep [][]int
		for idx := range b.Epoch() {
			ep = append(ep, slices.Clone(idx))
		}
		out = append(out, ep)
	}
	return out
}

// TestBatchesCover checks that every epoch yields every index exactly once
// in batches of the requested size (the last one shorter, or dropped), that
// Len counts them, and that the order changes between epochs.
func TestBatchesCover(t *testing.T) {
	tests := []struct {
		n, size  int
		dropLast bool
		want     []int // batch sizes of an epoch
	}{
		{10, 3, false, []int{3, 3, 3, 1}},
		{10, 3, true, []int{3, 3, 3}},
		{10, 5, false, []int{5, 5}},
		{10, 5, true, []int{5, 5}},
		{7, 10, false, []int{7}},
		{1, 1, false, []int{1}},
		{405, 32, false, append(slices.Repeat([]int{32}, 12), 21)},
	}
	for _, tt := range tests {
		b, err := data.NewBatches(tt.n, tt.size, rand.New(rand.NewPCG(1, 2)), data.BatchOptions{DropLast: tt.dropLast})
		if err != nil {
			t.Fatalf("NewBatches(%d, %d, %v): %v", tt.n, tt.size, tt.dropLast, err)
		}
		if b.Len() != len(tt.want) {
			t.Errorf("NewBatches(%d, %d, %v).Len() = %d, want %d", tt.n, tt.size, tt.dropLast, b.Len(), len(tt.want))
		}
		eps := epochs(b, 3)
		for e, ep := range eps {
			var sizes []int
			for _, idx := range ep {
				sizes = append(sizes, len(idx))
			}
			if diff := cmp.Diff(tt.want, sizes); diff != "" {
				t.Errorf("NewBatches(%d, %d, %v), epoch %d: batch sizes (-want +got):\n%s", tt.n, tt.size, tt.dropLast, e, diff)
			}
			all := slices.Concat(ep...)
			if tt.dropLast {
				if len(all) != len(slices.Compact(slices.Sorted(slices.Values(all)))) {
					t.Errorf("NewBatches(%d, %d, drop), epoch %d: repeated index in %v", tt.n, tt.size, e, all)
				}
				continue
			}
			if diff := cmp.Diff(upTo(tt.n), slices.Sorted(slices.Values(all))); diff != "" {
				t.Errorf("NewBatches(%d, %d), epoch %d: not every index exactly once (-want +got):\n%s", tt.n, tt.size, e, diff)
			}
		}
		if tt.n > 3 && slices.Equal(slices.Concat(eps[0]...), slices.Concat(eps[1]...)) {
			t.Errorf("NewBatches(%d, %d): epochs 0 and 1 in the same order", tt.n, tt.size)
		}
	}
}

// TestBatchesSeeded checks that a seed reproduces the whole sequence of
// epochs, that another seed changes it, and that each epoch shuffles the
// previous order with rng.Shuffle, as hand-written loops do, so that their
// runs are kept.
func TestBatchesSeeded(t *testing.T) {
	mk := func(seed uint64) *data.Batches {
		b, err := data.NewBatches(100, 16, rand.New(rand.NewPCG(seed, 9)), data.BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := epochs(mk(1), 4), epochs(mk(1), 4), epochs(mk(2), 4)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different batches (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Errorf("different seeds gave the same batches")
	}

	rng := rand.New(rand.NewPCG(1, 9))
	order := upTo(100)
	for e := range 4 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if diff := cmp.Diff(order, slices.Concat(a[e]...)); diff != "" {
			t.Errorf("epoch %d is not the previous order shuffled by rng.Shuffle (-want +got):\n%s", e, diff)
		}
	}
}

// TestBatchesResume: saving Order and the rng source's state between two
// epochs, and restoring both into a new Batches, gives the later epochs of
// the uninterrupted run; bad orders are refused and change nothing.
func TestBatchesResume(t *testing.T) {
	src := rand.NewPCG(4, 2)
	b, err := data.NewBatches(50, 8, rand.New(src), data.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(upTo(50), b.Order()); d != "" {
		t.Errorf("Order before the first epoch (-want +got):\n%s", d)
	}
	epochs(b, 2)
	order := b.Order()
	state, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := epochs(b, 2)

	src2 := new(rand.PCG)
	if err := src2.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	r, err := data.NewBatches(50, 8, rand.New(src2), data.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]int{upTo(49), append(upTo(49), 48), append(upTo(49), 50), append(upTo(49), -1)} {
		if err := r.SetOrder(bad); err == nil || !strings.HasPrefix(err.Error(), "data: Batches.SetOrder: ") {
			t.Errorf("SetOrder(%v): %v, want an error", bad[45:], err)
		}
	}
	if d := cmp.Diff(upTo(50), r.Order()); d != "" {
		t.Errorf("a refused order changed the Batches (-want +got):\n%s", d)
	}
	if err := r.SetOrder(order); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, epochs(r, 2)); d != "" {
		t.Errorf("resumed epochs differ from the uninterrupted run's (-want +got):\n%s", d)
	}
}

// TestBatchesInOrder checks that a nil rng yields the indices in order, every
// epoch, and that breaking out of an epoch is fine.
func TestBatchesInOrder(t *testing.T) {
	b, err := data.NewBatches(5, 2, nil, data.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for idx := range b.Epoch() {
		if !slices.Equal(idx, []int{0, 1}) {
			t.Errorf("first batch %v, want [0 1]", idx)
		}
		break
	}
	want := [][][]int{{{0, 1}, {2, 3}, {4}}, {{0, 1}, {2, 3}, {4}}}
	if diff := cmp.Diff(want, epochs(b, 2)); diff != "" {
		t.Errorf("epochs (-want +got):\n%s", diff)
	}
}

// TestNewBatchesErrors checks that sizes from flags and data are validated.
func TestNewBatchesErrors(t *testing.T) {
	tests := []struct {
		n, size  int
		dropLast bool
		want     string
	}{
		{0, 4, false, "0 samples, want at least 1"},
		{-3, 4, false, "-3 samples"},
		{10, 0, false, "batch size 0, want at least 1"},
		{10, -2, false, "batch size -2"},
		{10, 11, true, "batch size 11 > 10 samples with DropLast"},
	}
	for _, tt := range tests {
		_, err := data.NewBatches(tt.n, tt.size, nil, data.BatchOptions{DropLast: tt.dropLast})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewBatches(%d, %d, %v): got %v, want an error containing %q", tt.n, tt.size, tt.dropLast, err, tt.want)
		}
	}
}

// TestGatherRows gathers rows of 2-D and 3-D tensors, reusing the
// destination's memory when it is large enough.
func TestGatherRows(t *testing.T) {
	x := tensor.MustNew([]float64{0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32}, 4, 3)
	got := data.GatherRows(nil, x, []int{2, 0, 2})
	want := tensorView{Shape: []int{3, 3}, Data: []float64{20, 21, 22, 0, 1, 2, 20, 21, 22}}
	if diff := cmp.Diff(want, viewTensor(got)); diff != "" {
		t.Errorf("GatherRows (-want +got):\n%s", diff)
	}

	// Same shape: dst itself is returned, refilled.
	again := data.GatherRows(got, x, []int{3, 1, 0})
	if again != got {
		t.Errorf("same shape: got a new tensor, want dst back")
	}
	want.Data = []float64{30, 31, 32, 10, 11, 12, 0, 1, 2}
	if diff := cmp.Diff(want, viewTensor(again)); diff != "" {
		t.Errorf("GatherRows into dst (-want +got):\n%s", diff)
	}
	// A shorter batch uses dst's memory.
	short := data.GatherRows(got, x, []int{1})
	if diff := cmp.Diff(tensorView{Shape: []int{1, 3}, Data: []float64{10, 11, 12}}, viewTensor(short)); diff != "" {
		t.Errorf("short batch (-want +got):\n%s", diff)
	}
	if &short.Data()[0] != &got.Data()[0] {
		t.Errorf("short batch: new memory, want dst's")
	}
	// And a full one after it too, through the short one's capacity.
	full := data.GatherRows(short, x, []int{0, 1, 2})
	if &full.Data()[0] != &got.Data()[0] || len(full.Data()) != 9 {
		t.Errorf("full batch after a short one: new memory, want dst's")
	}
	// A larger one needs new memory.
	big := data.GatherRows(got, x, []int{0, 1, 2, 3})
	if big.Len() != 12 || &big.Data()[0] == &got.Data()[0] {
		t.Errorf("larger batch: shape %v, shares dst's too small memory", big.Shape())
	}

	// 3-D: rows are [2 2] matrices.
	x3 := tensor.MustNew([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2)
	want3 := tensorView{Shape: []int{2, 2, 2}, Data: []float64{5, 6, 7, 8, 1, 2, 3, 4}}
	if diff := cmp.Diff(want3, viewTensor(data.GatherRows(nil, x3, []int{1, 0}))); diff != "" {
		t.Errorf("3-D (-want +got):\n%s", diff)
	}
	// No rows at all.
	if got := data.GatherRows(nil, x, nil); !slices.Equal(got.Shape(), []int{0, 3}) {
		t.Errorf("no indices: shape %v, want [0 3]", got.Shape())
	}

	wantShapePanic(t, "GatherRows", func() { data.GatherRows(nil, x, []int{0, 4}) })
	wantShapePanic(t, "GatherRows", func() { data.GatherRows(nil, x, []int{-1}) })
	wantShapePanic(t, "GatherRows", func() { data.GatherRows(nil, tensor.Scalar(1.0), []int{0}) })
}

// TestGatherRowsAllocs checks that a batch gathered into the previous one
// allocates no batch memory: the only allocations are the two small shape
// copies that tensor.Shape makes, whatever the batch size. The bound is per
// call and every call does the same work, so it is checked on the exact
// total of 100 calls (at most 2·100), not on testing.AllocsPerRun's floored
// mean, which would let up to 2.99 allocations per call through.
func TestGatherRowsAllocs(t *testing.T) {
	x := tensor.RandNormal(rand.New(rand.NewPCG(1, 1)), 0, 1.0, 1000, 64)
	for _, size := range []int{4, 512} {
		idx := rand.New(rand.NewPCG(2, 2)).Perm(1000)[:size]
		dst := data.GatherRows(nil, x, idx)
		mem := &dst.Data()[0]
		if n := allocs.Count(100, func() { dst = data.GatherRows(dst, x, idx) }); n > 2*100 {
			t.Errorf("GatherRows of %d rows into a same-shaped dst: %d allocations in 100 calls, want at most 2 per call (200)", size, n)
		}
		if &dst.Data()[0] != mem {
			t.Errorf("GatherRows of %d rows: new batch memory", size)
		}
	}
}

// TestGather picks labels by index, reusing the destination.
func TestGather(t *testing.T) {
	labels := []int{7, 8, 9, 6}
	got := data.Gather(nil, labels, []int{3, 0, 0})
	if diff := cmp.Diff([]int{6, 7, 7}, got); diff != "" {
		t.Errorf("Gather (-want +got):\n%s", diff)
	}
	again := data.Gather(got, labels, []int{1, 2})
	if diff := cmp.Diff([]int{8, 9}, again); diff != "" {
		t.Errorf("Gather into dst (-want +got):\n%s", diff)
	}
	if &again[0] != &got[0] {
		t.Errorf("Gather into dst: new memory")
	}
	for _, idx := range [][]int{{0, 4}, {-1}} {
		wantShapePanic(t, "Gather", func() { data.Gather(again, labels, idx) })
		if diff := cmp.Diff([]int{8, 9}, again); diff != "" {
			t.Errorf("Gather %v changed dst (-want +got):\n%s", idx, diff)
		}
	}
}

// TestOneHot encodes labels, reusing and clearing the destination.
func TestOneHot(t *testing.T) {
	got := data.OneHot[float32](nil, []int{2, 0, 1, 2}, 3)
	want := tensorView{Shape: []int{4, 3}, Data: []float64{
		0, 0, 1,
		1, 0, 0,
		0, 1, 0,
		0, 0, 1,
	}}
	if diff := cmp.Diff(want, viewTensor(got)); diff != "" {
		t.Errorf("OneHot (-want +got):\n%s", diff)
	}
	again := data.OneHot(got, []int{0, 0, 0, 1}, 3)
	if again != got {
		t.Errorf("same shape: got a new tensor, want dst back")
	}
	want.Data = []float64{1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0}
	if diff := cmp.Diff(want, viewTensor(again)); diff != "" {
		t.Errorf("OneHot into dst, old ones cleared (-want +got):\n%s", diff)
	}
	short := data.OneHot(got, []int{1}, 2)
	if diff := cmp.Diff(tensorView{Shape: []int{1, 2}, Data: []float64{0, 1}}, viewTensor(short)); diff != "" {
		t.Errorf("OneHot, smaller (-want +got):\n%s", diff)
	}

	wantShapePanic(t, "OneHot", func() { data.OneHot[float64](nil, []int{0, 3}, 3) })
	wantShapePanic(t, "OneHot", func() { data.OneHot[float64](nil, []int{-1}, 3) })
	wantShapePanic(t, "OneHot", func() { data.OneHot[float64](nil, []int{0}, 0) })
}
