package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the fused time steps of the recurrent cells, the gate
// arithmetic of torch.nn.LSTMCell and torch.nn.GRUCell after their matrix
// products: each is one op, so that a step of a sequence records one node
// instead of a dozen slices, activations and products. The forward passes
// gather the columns of each gate into contiguous scratch tensors, run the
// package's vectorized sigmoid and tanh kernels (tensor.SigmoidInto and
// tensor.TanhInto, those of the Sigmoid and Tanh ops) on them, and combine
// them in one sweep; the activations are kept in the op's state, so that the
// fused derivative (vjp) is one sweep of products that writes every input's
// gradient and computes no transcendental function. The recorded
// derivatives recompute the activations with Sigmoid and Tanh and multiply
// in the same order as the fused ones, so that the two agree to the bit
// where the kernels are shared; they are built of differentiable ops, so
// second derivatives work.
//
// The gates are in PyTorch's order: i, f, g, o for the LSTM (input, forget,
// cell, output), r, z, n for the GRU (reset, update, new), each a block of
// H columns.

// LSTMCellState returns the new cell state of an LSTM step,
//
//	c' = σ(f) ∘ c + σ(i) ∘ tanh(g)
//
// where gates [N, 4H] holds the pre-activations i, f, g, o side by side in
// PyTorch's order (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, as torch.nn.LSTMCell
// computes them), and c [N, H] is the previous cell state. The o block is
// not read; LSTMCellOutput turns c' into the hidden state. With G the
// gradient of c',
//
//	d/di = G ∘ tanh(g) ∘ σ(i)(1 - σ(i))
//	d/df = G ∘ c ∘ σ(f)(1 - σ(f))
//	d/dg = G ∘ σ(i) ∘ (1 - tanh²(g))
//	d/do = 0
//	d/dc = G ∘ σ(f)
//
// It panics with a *tensor.ShapeError unless gates is [N, 4H] and c is
// [N, H].
func LSTMCellState[T Float](gates, c *Var[T]) *Var[T] {
	checkOperands2("LSTMCellState", gates, c)
	n, h := lstmShapes("LSTMCellState", gates, c)
	ar := arenaOf(gates, c)
	sif, tg := ar.tensor(n, 2*h), ar.tensor(n, h)
	gd := gates.value.Data()
	gatherCols(sif.Data(), gd, 4*h, 0, 2*h)
	gatherCols(tg.Data(), gd, 4*h, 2*h, h)
	tensor.SigmoidInto(sif, sif)
	tensor.TanhInto(tg, tg)
	out := ar.tensor(n, h)
	od, cd, sd, td := out.Data(), c.value.Data(), sif.Data(), tg.Data()
	for r := range n {
		o, cs, s, t := od[r*h:(r+1)*h], cd[r*h:(r+1)*h], sd[2*r*h:(2*r+2)*h], td[r*h:(r+1)*h]
		si, sf := s[:len(o)], s[h:h+len(o)] // lengths the compiler can see: no bounds checks below
		cs, t = cs[:len(o)], t[:len(o)]
		for k := range o {
			o[k] = T(sf[k]*cs[k]) + T(si[k]*t[k])
		}
	}
	var d derivative[T]
	if needsGrad(gates, c) {
		s := newState[lstmStateOp[T]](ar)
		s.sif, s.tg = sif, tg
		d = s
	}
	return recordOp("LSTMCellState", out, d, gates, c)
}

// lstmStateOp is LSTMCellState's state: the activations of its forward
// pass, σ(i) and σ(f) side by side [N, 2H], and tanh(g) [N, H].
type lstmStateOp[T Float] struct {
	sif, tg *tensor.Tensor[T]
}

func (*lstmStateOp[T]) slot() stateSlot { return slotLSTMState }

func (s *lstmStateOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gates, cp := c.Input(0), c.Input(1)
	n, h := cp.value.Dim(0), cp.value.Dim(1)
	q := Split(gates, 1, h, h, h, h)
	si, sf, tg := Sigmoid(q[0]), Sigmoid(q[1]), Tanh(q[2])
	one := Scalar[T](1)
	var dGates, dC *Var[T]
	if c.NeedsGrad(0) {
		di := Mul(Mul(g, tg), Mul(si, Sub(one, si)))
		df := Mul(Mul(g, cp), Mul(sf, Sub(one, sf)))
		dg := Mul(Mul(g, si), Sub(one, Mul(tg, tg)))
		dGates = Concat(1, di, df, dg, Const(tensor.Zeros[T](n, h)))
	}
	if c.NeedsGrad(1) {
		dC = Mul(g, sf)
	}
	return []*Var[T]{dGates, dC}
}

// vjp is backward's arithmetic in one sweep over the saved activations,
// writing (or adding to) both gradients; the o block of the gates'
// gradient is zeroed when its buffer is fresh. Each loop either writes
// or adds, so that the choice is made once per row, not per element.
func (s *lstmStateOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	cv := c.node().inputs[1].value
	n, h := cv.Dim(0), cv.Dim(1)
	dG, bG := gradData(c, 0)
	dC, bC := gradData(c, 1)
	gd, cd, sd, td := g.Data(), cv.Data(), s.sif.Data(), s.tg.Data()
	for r := range n {
		gs := gd[r*h : (r+1)*h]
		m := len(gs)
		cs, si, sf, t := cd[r*h:][:m], sd[2*r*h:][:m], sd[(2*r+1)*h:][:m], td[r*h:][:m]
		if dG != nil {
			dr := dG[4*r*h : 4*(r+1)*h]
			di, df, dg := dr[:m], dr[h:][:m], dr[2*h:][:m]
			if bG == 0 {
				for k, gk := range gs {
					di[k] = T(gk*t[k]) * T(si[k]*T(1-si[k]))
					df[k] = T(gk*cs[k]) * T(sf[k]*T(1-sf[k]))
					dg[k] = T(gk*si[k]) * T(1-T(t[k]*t[k]))
				}
				clear(dr[3*h:][:m])
			} else {
				for k, gk := range gs {
					di[k] += T(T(gk*t[k]) * T(si[k]*T(1-si[k])))
					df[k] += T(T(gk*cs[k]) * T(sf[k]*T(1-sf[k])))
					dg[k] += T(T(gk*si[k]) * T(1-T(t[k]*t[k])))
				}
			}
		}
		if dC != nil {
			dc := dC[r*h:][:m]
			if bC == 0 {
				for k, gk := range gs {
					dc[k] = gk * sf[k]
				}
			} else {
				for k, gk := range gs {
					dc[k] += T(gk * sf[k])
				}
			}
		}
	}
}

// jvp of LSTMCellState is, with ti, tf, tg the tangents of the gates'
// i, f, g blocks and tc the cell state's (the o block's is not read),
//
//	tc' = ti ∘ tanh(g) ∘ σ(i)(1 - σ(i)) + tf ∘ c ∘ σ(f)(1 - σ(f))
//	      + tg ∘ σ(i) ∘ (1 - tanh²(g)) + tc ∘ σ(f)
//
// on the saved activations.
func (s *lstmStateOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	cv := c.node().inputs[1].value
	n, h := cv.Dim(0), cv.Dim(1)
	res := tensor.Zeros[T](n, h)
	rd, cd, sd, td := res.Data(), cv.Data(), s.sif.Data(), s.tg.Data()
	for r := range n {
		o := rd[r*h : (r+1)*h]
		m := len(o)
		cs, si, sf, t := cd[r*h:][:m], sd[2*r*h:][:m], sd[(2*r+1)*h:][:m], td[r*h:][:m]
		if ts[0] != nil {
			tr := ts[0].Data()[4*r*h : 4*(r+1)*h]
			ti, tf, tg := tr[:m], tr[h:][:m], tr[2*h:][:m]
			for k := range o {
				o[k] = T(ti[k]*t[k])*T(si[k]*T(1-si[k])) + T(tf[k]*cs[k])*T(sf[k]*T(1-sf[k])) +
					T(tg[k]*si[k])*T(1-T(t[k]*t[k]))
			}
		}
		if ts[1] != nil {
			tc := ts[1].Data()[r*h:][:m]
			for k := range o {
				o[k] += T(tc[k] * sf[k])
			}
		}
	}
	return res
}

// LSTMCellOutput returns the new hidden state of an LSTM step,
//
//	h' = σ(o) ∘ tanh(c')
//
// where gates [N, 4H] are the pre-activations i, f, g, o as for
// LSTMCellState (only the o block is read) and c [N, H] is the new cell
// state c' (LSTMCellState's result). With G the gradient of h',
//
//	d/do = G ∘ tanh(c') ∘ σ(o)(1 - σ(o))
//	d/di = d/df = d/dg = 0
//	d/dc' = G ∘ σ(o) ∘ (1 - tanh²(c'))
//
// It panics with a *tensor.ShapeError unless gates is [N, 4H] and c is
// [N, H].
func LSTMCellOutput[T Float](gates, c *Var[T]) *Var[T] {
	checkOperands2("LSTMCellOutput", gates, c)
	n, h := lstmShapes("LSTMCellOutput", gates, c)
	ar := arenaOf(gates, c)
	so, tc := ar.tensor(n, h), ar.tensor(n, h)
	gatherCols(so.Data(), gates.value.Data(), 4*h, 3*h, h)
	tensor.SigmoidInto(so, so)
	tensor.TanhInto(tc, c.value)
	out := ar.tensor(n, h)
	od, sd, td := out.Data(), so.Data(), tc.Data()
	for k := range od {
		od[k] = sd[k] * td[k]
	}
	var d derivative[T]
	if needsGrad(gates, c) {
		s := newState[lstmOutputOp[T]](ar)
		s.so, s.tc = so, tc
		d = s
	}
	return recordOp("LSTMCellOutput", out, d, gates, c)
}

// lstmOutputOp is LSTMCellOutput's state: σ(o) and tanh(c'), each [N, H].
type lstmOutputOp[T Float] struct {
	so, tc *tensor.Tensor[T]
}

func (*lstmOutputOp[T]) slot() stateSlot { return slotLSTMOutput }

func (s *lstmOutputOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gates, cp := c.Input(0), c.Input(1)
	n, h := cp.value.Dim(0), cp.value.Dim(1)
	so, tc := Sigmoid(Split(gates, 1, 3*h, h)[1]), Tanh(cp)
	one := Scalar[T](1)
	var dGates, dC *Var[T]
	if c.NeedsGrad(0) {
		do := Mul(Mul(g, tc), Mul(so, Sub(one, so)))
		dGates = Concat(1, Const(tensor.Zeros[T](n, 3*h)), do)
	}
	if c.NeedsGrad(1) {
		dC = Mul(Mul(g, so), Sub(one, Mul(tc, tc)))
	}
	return []*Var[T]{dGates, dC}
}

// vjp is backward's arithmetic in one sweep over the saved activations;
// the i, f and g blocks of the gates' gradient are zeroed when its buffer
// is fresh. Each loop either writes or adds, as LSTMCellState's.
func (s *lstmOutputOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	n, h := s.so.Dim(0), s.so.Dim(1)
	dG, bG := gradData(c, 0)
	dC, bC := gradData(c, 1)
	gd, sd, td := g.Data(), s.so.Data(), s.tc.Data()
	for r := range n {
		gs := gd[r*h : (r+1)*h]
		m := len(gs)
		so, t := sd[r*h:][:m], td[r*h:][:m]
		if dG != nil {
			do := dG[(4*r+3)*h:][:m]
			if bG == 0 {
				clear(dG[4*r*h : (4*r+3)*h])
				for k, gk := range gs {
					do[k] = T(gk*t[k]) * T(so[k]*T(1-so[k]))
				}
			} else {
				for k, gk := range gs {
					do[k] += T(T(gk*t[k]) * T(so[k]*T(1-so[k])))
				}
			}
		}
		if dC != nil {
			dc := dC[r*h:][:m]
			if bC == 0 {
				for k, gk := range gs {
					dc[k] = T(gk*so[k]) * T(1-T(t[k]*t[k]))
				}
			} else {
				for k, gk := range gs {
					dc[k] += T(T(gk*so[k]) * T(1-T(t[k]*t[k])))
				}
			}
		}
	}
}

// jvp of LSTMCellOutput is, with to the tangent of the gates' o block
// (the others are not read) and tc that of c',
//
//	th' = to ∘ tanh(c') ∘ σ(o)(1 - σ(o)) + tc ∘ σ(o) ∘ (1 - tanh²(c'))
//
// on the saved activations.
func (s *lstmOutputOp[T]) jvp(_ *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	n, h := s.so.Dim(0), s.so.Dim(1)
	res := tensor.Zeros[T](n, h)
	rd, sd, td := res.Data(), s.so.Data(), s.tc.Data()
	for r := range n {
		o := rd[r*h : (r+1)*h]
		m := len(o)
		so, t := sd[r*h:][:m], td[r*h:][:m]
		if ts[0] != nil {
			to := ts[0].Data()[(4*r+3)*h:][:m]
			for k := range o {
				o[k] = T(to[k]*t[k]) * T(so[k]*T(1-so[k]))
			}
		}
		if ts[1] != nil {
			tc := ts[1].Data()[r*h:][:m]
			for k := range o {
				o[k] += T(T(tc[k]*so[k]) * T(1-T(t[k]*t[k])))
			}
		}
	}
	return res
}

// GRUCellState returns the new hidden state of a GRU step, as
// torch.nn.GRUCell computes it from gi = x·W_ihᵀ + b_ih [N, 3H] and
// gh = h·W_hhᵀ + b_hh [N, 3H], each holding the blocks r, z, n in
// PyTorch's order, and the previous hidden state h [N, H]:
//
//	r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ∘ gh_n)
//	h' = (1 - z) ∘ n + z ∘ h, computed as n + z ∘ (h - n) as PyTorch does
//
// The reset gate multiplies gh_n only, which is why the two products come
// separately. With G the gradient of h', and
//
//	dn = G ∘ (1 - z) ∘ (1 - n²)
//	dz = G ∘ (h - n) ∘ z(1 - z)
//	dr = dn ∘ gh_n ∘ r(1 - r)
//
// the derivatives are
//
//	d/dgi = [dr, dz, dn]
//	d/dgh = [dr, dz, dn ∘ r]
//	d/dh  = G ∘ z
//
// It panics with a *tensor.ShapeError unless gi and gh are [N, 3H] and h is
// [N, H].
func GRUCellState[T Float](gi, gh, h *Var[T]) *Var[T] {
	checkOperands3("GRUCellState", gi, gh, h)
	n, hs := gruShapes(gi, gh, h)
	ar := arenaOf(gi, gh, h)
	rz, nt := ar.tensor(n, 2*hs), ar.tensor(n, hs)
	id, hd, rzd, nd := gi.value.Data(), gh.value.Data(), rz.Data(), nt.Data()
	for r := range n {
		a, b, s := id[3*r*hs:(3*r+2)*hs], hd[3*r*hs:(3*r+2)*hs], rzd[2*r*hs:(2*r+2)*hs]
		for k := range s {
			s[k] = a[k] + b[k]
		}
	}
	tensor.SigmoidInto(rz, rz)
	for r := range n {
		a, b, rs, s := id[(3*r+2)*hs:(3*r+3)*hs], hd[(3*r+2)*hs:(3*r+3)*hs], rzd[2*r*hs:(2*r+1)*hs], nd[r*hs:(r+1)*hs]
		for k := range s {
			s[k] = a[k] + T(rs[k]*b[k])
		}
	}
	tensor.TanhInto(nt, nt)
	out := ar.tensor(n, hs)
	od, prev := out.Data(), h.value.Data()
	for r := range n {
		o, z, nv, hv := od[r*hs:(r+1)*hs], rzd[(2*r+1)*hs:(2*r+2)*hs], nd[r*hs:(r+1)*hs], prev[r*hs:(r+1)*hs]
		for k := range o {
			o[k] = nv[k] + T(z[k]*T(hv[k]-nv[k]))
		}
	}
	var d derivative[T]
	if needsGrad(gi, gh, h) {
		s := newState[gruStateOp[T]](ar)
		s.rz, s.n = rz, nt
		d = s
	}
	return recordOp("GRUCellState", out, d, gi, gh, h)
}

// gruStateOp is GRUCellState's state: the activations of its forward
// pass, r and z side by side [N, 2H], and n [N, H].
type gruStateOp[T Float] struct {
	rz, n *tensor.Tensor[T]
}

func (*gruStateOp[T]) slot() stateSlot { return slotGRUState }

func (s *gruStateOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gi, gh, hp := c.Input(0), c.Input(1), c.Input(2)
	h := hp.value.Dim(1)
	qi, qh := Split(gi, 1, h, h, h), Split(gh, 1, h, h, h)
	r, z := Sigmoid(Add(qi[0], qh[0])), Sigmoid(Add(qi[1], qh[1]))
	n := Tanh(Add(qi[2], Mul(r, qh[2])))
	one := Scalar[T](1)
	gin := make([]*Var[T], 3)
	if c.NeedsGrad(0) || c.NeedsGrad(1) {
		dz := Mul(Mul(g, Sub(hp, n)), Mul(z, Sub(one, z)))
		dn := Mul(Mul(g, Sub(one, z)), Sub(one, Mul(n, n)))
		dr := Mul(Mul(dn, qh[2]), Mul(r, Sub(one, r)))
		if c.NeedsGrad(0) {
			gin[0] = Concat(1, dr, dz, dn)
		}
		if c.NeedsGrad(1) {
			gin[1] = Concat(1, dr, dz, Mul(dn, r))
		}
	}
	if c.NeedsGrad(2) {
		gin[2] = Mul(g, z)
	}
	return gin
}

// vjp is backward's arithmetic in one sweep over the saved activations,
// writing (or adding to) the three gradients. At each position the
// gradient of gi is stored before that of gh, so that GRUCellState(x, x, h)
// (one buffer, fresh for gi and then added to for gh) is right too.
func (s *gruStateOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	ghv, hv := c.node().inputs[1].value.Data(), c.node().inputs[2].value.Data()
	n, h := s.n.Dim(0), s.n.Dim(1)
	dI, bI := gradData(c, 0)
	dH, bH := gradData(c, 1)
	dP, bP := gradData(c, 2)
	gd, rzd, nd := g.Data(), s.rz.Data(), s.n.Data()
	for row := range n {
		gs := gd[row*h : (row+1)*h]
		m := len(gs)
		nv, hs := nd[row*h:][:m], hv[row*h:][:m]
		rs, zs := rzd[2*row*h:][:m], rzd[(2*row+1)*h:][:m]
		ghn := ghv[(3*row+2)*h:][:m]
		base := 3 * row * h
		var ir, iz, in, hr, hz, hn []T // the blocks of this row of the gradients
		if dI != nil {
			ir, iz, in = dI[base:][:m], dI[base+h:][:m], dI[base+2*h:][:m]
		}
		if dH != nil {
			hr, hz, hn = dH[base:][:m], dH[base+h:][:m], dH[base+2*h:][:m]
		}
		if dI != nil || dH != nil {
			for k, gk := range gs {
				z, r, nk := zs[k], rs[k], nv[k]
				dz := T(T(gk*T(hs[k]-nk)) * T(z*T(1-z)))
				dn := T(T(gk*T(1-z)) * T(1-T(nk*nk)))
				dr := T(T(dn*ghn[k]) * T(r*T(1-r)))
				if dI != nil {
					put(ir, k, dr, bI)
					put(iz, k, dz, bI)
					put(in, k, dn, bI)
				}
				if dH != nil {
					put(hr, k, dr, bH)
					put(hz, k, dz, bH)
					put(hn, k, T(dn*r), bH)
				}
			}
		}
		if dP != nil {
			dp := dP[row*h : row*h+m]
			for k, gk := range gs {
				put(dp, k, T(gk*zs[k]), bP)
			}
		}
	}
}

// jvp of GRUCellState is, with the tangents tgi, tgh (blocks r, z, n)
// and th of gi, gh and h,
//
//	tr = (tgi_r + tgh_r) ∘ r(1 - r),  tz = (tgi_z + tgh_z) ∘ z(1 - z)
//	tn = (tgi_n + tr ∘ gh_n + r ∘ tgh_n) ∘ (1 - n²)
//	th' = tn ∘ (1 - z) + tz ∘ (h - n) + th ∘ z
//
// on the saved activations, a nil tangent counting as 0.
func (s *gruStateOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	ghv, hv := c.node().inputs[1].value.Data(), c.node().inputs[2].value.Data()
	n, h := s.n.Dim(0), s.n.Dim(1)
	res := tensor.Zeros[T](n, h)
	rd, rzd, nd := res.Data(), s.rz.Data(), s.n.Data()
	zero := make([]T, 3*h) // the row of a nil tangent of gi or gh
	for row := range n {
		o := rd[row*h : (row+1)*h]
		m := len(o)
		nv, hs := nd[row*h:][:m], hv[row*h:][:m]
		rs, zs := rzd[2*row*h:][:m], rzd[(2*row+1)*h:][:m]
		ghn := ghv[(3*row+2)*h:][:m]
		if ts[0] != nil || ts[1] != nil {
			ti, th := zero, zero
			if ts[0] != nil {
				ti = ts[0].Data()[3*row*h : 3*(row+1)*h]
			}
			if ts[1] != nil {
				th = ts[1].Data()[3*row*h : 3*(row+1)*h]
			}
			ir, iz, in := ti[:m], ti[h:][:m], ti[2*h:][:m]
			hr, hz, hn := th[:m], th[h:][:m], th[2*h:][:m]
			for k := range o {
				z, r, nk := zs[k], rs[k], nv[k]
				tr := T(ir[k]+hr[k]) * T(r*T(1-r))
				tz := T(iz[k]+hz[k]) * T(z*T(1-z))
				tn := T(in[k]+T(tr*ghn[k])+T(r*hn[k])) * T(1-T(nk*nk))
				o[k] = T(tn*T(1-z)) + T(tz*T(hs[k]-nk))
			}
		}
		if ts[2] != nil {
			tp := ts[2].Data()[row*h:][:m]
			for k := range o {
				o[k] += T(tp[k] * zs[k])
			}
		}
	}
	return res
}

// lstmShapes checks the operands of an LSTM step op: gates [N, 4H] and
// c [N, H]. It returns N and H.
func lstmShapes[T Float](op string, gates, c *Var[T]) (n, h int) {
	gs, cs := gates.value, c.value
	if gs.Dims() != 2 || cs.Dims() != 2 {
		panic(shapeErr(op, "gates must be [N, 4H] and c [N, H]", gs.Shape(), cs.Shape()))
	}
	n, h = cs.Dim(0), cs.Dim(1)
	if gs.Dim(0) != n || gs.Dim(1) != 4*h {
		panic(shapeErr(op, fmt.Sprintf("gates must be [N, 4H] = [%d %d] for c [N, H]", n, 4*h), gs.Shape(), cs.Shape()))
	}
	return n, h
}

// gruShapes checks GRUCellState's operands: gi and gh [N, 3H], h [N, H].
// It returns N and H.
func gruShapes[T Float](gi, gh, h *Var[T]) (n, hs int) {
	is, gs, ps := gi.value, gh.value, h.value
	if is.Dims() != 2 || gs.Dims() != 2 || ps.Dims() != 2 {
		panic(shapeErr("GRUCellState", "gi and gh must be [N, 3H] and h [N, H]", is.Shape(), gs.Shape(), ps.Shape()))
	}
	n, hs = ps.Dim(0), ps.Dim(1)
	if is.Dim(0) != n || is.Dim(1) != 3*hs || gs.Dim(0) != n || gs.Dim(1) != 3*hs {
		panic(shapeErr("GRUCellState", fmt.Sprintf("gi and gh must be [N, 3H] = [%d %d] for h [N, H]", n, 3*hs),
			is.Shape(), gs.Shape(), ps.Shape()))
	}
	return n, hs
}

// gatherCols copies the columns [from, from+w) of each row of src, a
// row-major matrix of width columns, into dst, a matrix of w columns with as
// many rows.
func gatherCols[T Float](dst, src []T, width, from, w int) {
	for r := 0; r*w < len(dst); r++ {
		copy(dst[r*w:(r+1)*w], src[r*width+from:r*width+from+w])
	}
}

// gradData returns the data of input j's gradient buffer and the beta to
// write it with (see Context.gradBuf), or nil when input j needs no
// gradient.
func gradData[T Float](c *Context[T], j int) ([]T, T) {
	if !c.NeedsGrad(j) {
		return nil, 0
	}
	t, beta := c.gradBuf(j)
	return t.Data(), beta
}

// put writes v into d[i] when beta is 0 (a fresh buffer) and adds it
// otherwise.
func put[T Float](d []T, i int, v, beta T) {
	if beta == 0 {
		d[i] = v
	} else {
		d[i] += v
	}
}
