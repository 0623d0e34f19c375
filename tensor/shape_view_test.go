package tensor

import "testing"

// TestViewInto checks that ViewInto shares the data under the new shape,
// allocates nothing for up to four axes, and panics with a *ShapeError when
// the element counts differ.
func TestViewInto(t *testing.T) {
	src, _ := New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	var dst Tensor[float32]
	ViewInto(&dst, src, 3, 1, 2)
	if !dst.HasShape(3, 1, 2) || &dst.Data()[0] != &src.Data()[0] {
		t.Fatalf("got shape %v, shared %v", dst.Shape(), &dst.Data()[0] == &src.Data()[0])
	}
	dst.Data()[5] = 9
	if src.Data()[5] != 9 {
		t.Fatal("a write through the view does not show in the source")
	}
	four := []int{1, 2, 3, 1}
	if n := testing.AllocsPerRun(10, func() { ViewInto(&dst, src, four...) }); n != 0 {
		t.Fatalf("%v allocations, want 0", n)
	}
	five := []int{1, 1, 1, 2, 3}
	if n := testing.AllocsPerRun(10, func() { ViewInto(&dst, src, five...) }); n != 0 {
		t.Fatalf("five axes: %v allocations, want 0", n)
	}
	if !dst.HasShape(1, 1, 1, 2, 3) {
		t.Fatalf("got shape %v", dst.Shape())
	}
	var g Tensor[float32]
	ViewAsInto(&g, src, &dst)
	if !g.HasShape(1, 1, 1, 2, 3) || &g.Data()[0] != &src.Data()[0] {
		t.Fatalf("ViewAsInto: got shape %v", g.Shape())
	}
	if n := testing.AllocsPerRun(10, func() { ViewAsInto(&g, &dst, src) }); n != 0 {
		t.Fatalf("ViewAsInto: %v allocations, want 0", n)
	}
	defer func() {
		if _, ok := recover().(*ShapeError); !ok {
			t.Fatal("element counts differ: no *ShapeError")
		}
	}()
	ViewInto(&dst, src, 4)
}
