package tensor

import (
	"math"
	"strconv"
)

// radixMin is the shortest slice argsortRadix32 sorts by its digits;
// shorter ones are sorted by insertion.
const radixMin = 48

// radixable reports whether argsortRadix32 can sort slices of n float32s:
// it packs a key and a position into one int, which needs 64-bit ints, and
// counts a digit's occurrences in int32s, which needs n below 2³¹. (The
// comparison is in int64 so that the file builds where int has 32 bits.)
func radixable(n int) bool { return strconv.IntSize == 64 && int64(n) <= math.MaxInt32 }

// radixKey32 returns the unsigned key of v whose order is sortBefore's:
// ascending, NaN after +Inf (every NaN the same), -0 equal to +0; all
// bits complemented when descending, so that the order reverses while
// equal keys stay equal.
func radixKey32(v float32, desc bool) uint32 {
	u := math.Float32bits(v)
	switch {
	case v != v:
		u = 0x7fc00000
	case v == 0:
		u = 0
	}
	if u>>31 != 0 {
		u = ^u // negative: a larger magnitude comes first
	} else {
		u |= 1 << 31
	}
	if desc {
		u = ^u
	}
	return u
}

// argsortRadix32 is ArgsortInto for float32 (x the data, in the [outer, n,
// inner] layout along the axis; scratch at least 2n ints). Each element
// becomes one word, its key (radixKey32) above its position, so that
// sorting the words orders by key and then by position: the stable order,
// exactly. The words are sorted by a least-significant-digit radix sort on
// the key's four bytes (a pass whose byte is the same for every word is
// skipped), or by insertion for a short slice; the positions are the
// words' low halves. It runs in O(n) per slice where the merge sort's
// comparisons cost O(n log n), each a branch that the data decide.
func argsortRadix32(idx []int, x []float32, outer, n, inner int, desc bool, scratch []int) {
	a, b := scratch[:n], scratch[n:2*n]
	for o := range outer {
		for k := range inner {
			base := o*n*inner + k
			var sorted []int
			if n < radixMin {
				for i := range a {
					a[i] = int(uint64(radixKey32(x[base+i*inner], desc))<<32 | uint64(i))
				}
				insertionSortWords(a)
				sorted = a
			} else {
				sorted = radixSortSlice(a, b, x, base, inner, desc)
			}
			for i, w := range sorted {
				idx[base+i*inner] = int(uint32(w))
			}
		}
	}
}

// radixSortSlice fills a with the words of the slice of x at base (step
// stride) and sorts them, through b, returning whichever holds the result.
func radixSortSlice(a, b []int, x []float32, base, stride int, desc bool) []int {
	var count [4][256]int32
	for i := range a {
		key := radixKey32(x[base+i*stride], desc)
		a[i] = int(uint64(key)<<32 | uint64(i))
		count[0][byte(key)]++
		count[1][byte(key>>8)]++
		count[2][byte(key>>16)]++
		count[3][byte(key>>24)]++
	}
	src, dst := a, b
	for p := range count {
		c := &count[p]
		shift := 32 + 8*p
		if int(c[byte(uint64(src[0])>>shift)]) == len(src) {
			continue // one byte for all: the order stays
		}
		var sum int32
		for d, m := range c {
			c[d], sum = sum, sum+m
		}
		for _, w := range src {
			d := byte(uint64(w) >> shift)
			dst[c[d]] = w
			c[d]++
		}
		src, dst = dst, src
	}
	return src
}

// insertionSortWords sorts w in ascending order of the words as unsigned
// numbers.
func insertionSortWords(w []int) {
	for i := 1; i < len(w); i++ {
		v := w[i]
		j := i
		for ; j > 0 && uint64(w[j-1]) > uint64(v); j-- {
			w[j] = w[j-1]
		}
		w[j] = v
	}
}
