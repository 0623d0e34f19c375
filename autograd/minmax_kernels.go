package autograd

// This file holds the kernels of Max and Min (and their keep-dims forms)
// for the layouts that need no general walk: a slice that is one strided
// run, and slices that lie side by side, read row by row. They find the
// extremum and give the ties their shares exactly as the general walk of
// redExtremumOp and extremumShares does, element for element.

// extOfRun returns the extremum of the n elements x[0], x[st], ...,
// x[(n−1)·st] by extBetter's rule (the first NaN wins), as the general
// loop finds it, without its per-element index arithmetic and NaN tests.
func extOfRun[T Float](x []T, n, st int, isMax bool) T {
	best := x[0]
	if best != best {
		return best
	}
	for off := st; off < n*st; off += st {
		v := x[off]
		switch {
		case isMax && v > best, !isMax && v < best:
			best = v
		case v != v:
			return v
		}
	}
	return best
}

// extOfColumns sets best[i] to the extremum of x[i], x[i+st], ...,
// x[i+(n−1)·st] for each i, by extBetter's rule, a row of len(best) at a
// time.
func extOfColumns[T Float](best, x []T, n, st int, isMax bool) {
	copy(best, x[:len(best)])
	for r := 1; r < n; r++ {
		row := x[r*st:][:len(best)]
		for i, v := range row {
			switch b := best[i]; {
			case isMax && v > b, !isMax && v < b:
				best[i] = v
			case v != v && b == b:
				best[i] = v
			}
		}
	}
}

// sharesOfRun is extremumShares on one slice that is a strided run: the n
// elements x[0], x[st], ..., whose extremum is target, their gradients at
// the same offsets of d, and the slice's gradient gv.
func sharesOfRun[T Float](d, x []T, n, st int, target, gv, beta T) {
	end := n * st
	if target != target {
		// The first NaN takes all of gv, the others none.
		found := false
		for off := 0; off < end; off += st {
			var mk T
			if v := x[off]; v != v && !found {
				mk, found = 1, true
			}
			if beta == 0 {
				d[off] = gv * mk
			} else {
				d[off] += T(gv * mk)
			}
		}
		return
	}
	count := 0
	for off := 0; off < end; off += st {
		if x[off] == target {
			count++
		}
	}
	share := T(1) / T(max(count, 1))
	for off := 0; off < end; off += st {
		var mk T
		if x[off] == target {
			mk = share
		}
		if beta == 0 {
			d[off] = gv * mk
		} else {
			d[off] += T(gv * mk)
		}
	}
}

// sharesOfColumns is sharesOfRun for len(target) slices side by side:
// slice i is x[i], x[i+st], ..., x[i+(n−1)·st], with extremum target[i]
// and gradient gs[i] (one when gs is empty). It works on columns in
// chunks, row by row, counting the ties of a chunk in a stack buffer.
func sharesOfColumns[T Float](d, x, target, gs []T, n, st int, beta, one T) {
	const chunk = 256
	var counts [chunk]int
	var found [chunk]bool
	for c0 := 0; c0 < len(target); c0 += chunk {
		c1 := min(c0+chunk, len(target))
		tg := target[c0:c1]
		cnt, fnd := counts[:len(tg)], found[:len(tg)]
		clear(cnt)
		clear(fnd)
		for r := range n {
			for i, v := range x[r*st+c0:][:len(tg)] {
				if v == tg[i] {
					cnt[i]++
				}
			}
		}
		for r := range n {
			row, dr := x[r*st+c0:][:len(tg)], d[r*st+c0:][:len(tg)]
			for i, v := range row {
				gv := one
				if len(gs) > 0 {
					gv = gs[c0+i]
				}
				var mk T
				switch t := tg[i]; {
				case v == t:
					mk = T(1) / T(cnt[i])
				case t != t && v != v && !fnd[i]:
					mk, fnd[i] = 1, true
				}
				if beta == 0 {
					dr[i] = gv * mk
				} else {
					dr[i] += T(gv * mk)
				}
			}
		}
	}
}
