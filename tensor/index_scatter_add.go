package tensor

import "fmt"

// AxisOffsetsAdd is AxisOffsets that also does ScatterAdd's additions as it
// goes: for each element p of index in row-major order it sets dst[p] to
// the offset AxisOffsets gives and adds src[p] to x[dst[p]], row by row of
// index while the row's offsets are in cache, instead of in a second
// sweep over dst. The additions are those of a loop over the finished
// offsets, in the same order, so x gets the same bits. x must have
// shape's elements and src index.Len(); it panics with a *ShapeError
// otherwise, or as AxisOffsets does (x then holds the additions of the
// rows before the bad index value).
func AxisOffsetsAdd[T Float](dst []int, shape []int, axis int, index *Index, x, src []T) []int {
	const op = "AxisOffsetsAdd"
	if n, ok := numElements(shape); !ok || len(x) != n || len(src) != index.Len() {
		panic(shapeErr(op, fmt.Sprintf("x has %d elements and src %d for index of %d", len(x), len(src), index.Len()), shape, index.shape))
	}
	return axisOffsets(op, dst, shape, axis, index, func(p0 int, row []int) {
		s := src[p0:][:len(row)]
		for k, i := range row {
			x[i] += s[k]
		}
	})
}
