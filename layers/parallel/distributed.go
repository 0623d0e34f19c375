package parallel

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// Transport is what NewDistributed needs of a message-passing layer
// between processes (package layers/parallel/mpi implements it on MPI):
// a fixed set of ranks 0..Size()-1 and three collective operations on
// bytes.
// Every rank must call them in the same order with the same sizes.
// They carry bytes, not numbers: the trainer adds up what it receives in
// its own fixed order, never in the transport's.
type Transport interface {
	// Rank returns this process's rank, from 0 to Size()-1.
	Rank() int
	// Size returns the number of ranks.
	Size() int
	// AllgatherInPlace: buf is counts[0] + counts[1] + ... bytes, block r
	// being counts[r] bytes after the blocks before it. On entry this
	// rank's block holds its data; on return every block holds its
	// rank's.
	AllgatherInPlace(buf []byte, counts []int) error
	// Broadcast copies root's buf into every rank's buf.
	Broadcast(buf []byte, root int) error
	// Alltoallv: send is, for each rank r in order, sendCounts[r] bytes
	// for rank r; on return recv is, for each rank r in order,
	// recvCounts[r] bytes from rank r.
	Alltoallv(send []byte, sendCounts []int, recv []byte, recvCounts []int) error
}

// distributed is the state of a Trainer over a Transport.
type distributed struct {
	tr         Transport
	rank, size int
	chunks     []span // the slot elements each rank reduces
	sendCounts []int  // bytes of this rank's micro-batches' chunks, per destination
	recvCounts []int  // bytes of this rank's chunk of each rank's micro-batches
	sumCounts  []int  // bytes of each rank's reduced chunk
	hashCounts []int  // 8 per rank, for the checksums
	sent       []bool // the micro-batches whose slots are sent (see NewDistributed)
	sumBuf     []byte
}

// NewDistributed builds a trainer whose replicas are the processes of tr,
// one per rank; every rank calls it with the same Config (Workers is
// ignored) and then Step with the same batches. Rank r computes
// micro-batches split(MicroBatches, Size, r) (consecutive, the larger
// shares first) and makes the tree's additions among them, as New's
// workers do; the ranks exchange what is left (Alltoallv), so that rank r
// holds chunk r of every slot still to be added, sum their chunks in the
// same tree order as New's workers, and gather the sums
// (AllgatherInPlace); so the weights are the same bits as with New, for
// any number of ranks and workers. With 8 micro-batches and 1, 2, 4 or 8
// ranks, a rank sends and receives one slot's worth of bytes per step, and
// then receives the sum.
//
// It returns the errors of New, a *ConfigError if tr is nil, reports an
// invalid rank or size, or has more ranks than micro-batches, a
// *MismatchError naming the first rank whose model (parameter and buffer
// names and shapes), micro-batch count, seed, checksum or clipping setting
// or element type differs from rank 0's, and the Transport's errors. Rank 0's parameters and buffers are then broadcast
// to the others.
func NewDistributed[T Float](cfg Config[T], tr Transport) (*Trainer[T], error) {
	t, err := newTrainer(cfg)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		return nil, &ConfigError{Field: "Transport", Value: nil, Reason: "a Transport is required"}
	}
	d := &distributed{tr: tr, rank: tr.Rank(), size: tr.Size()}
	if d.size < 1 || d.rank < 0 || d.rank >= d.size {
		return nil, &ConfigError{Field: "Transport", Value: fmt.Sprintf("rank %d of %d", d.rank, d.size), Reason: "invalid rank or size"}
	}
	if t.micro < d.size {
		return nil, &ConfigError{Field: "MicroBatches", Value: t.micro, Reason: fmt.Sprintf("must be at least the number of ranks (%d)", d.size)}
	}
	r, l, err := newReplica(&t.cfg, d.rank, true)
	if err != nil {
		return nil, err
	}
	t.l, t.reps, t.dist = l, []*replica[T]{r}, d
	t.own = []span{split(t.micro, d.size, d.rank)}
	var owns []span
	for rank := range d.size {
		owns = append(owns, split(t.micro, d.size, rank))
	}
	t.reach = localReach(t.micro, owns, t.micro)
	t.alloc(func(i int) bool { return t.own[0].lo <= i && i < t.own[0].hi && !t.fusedLeaf(i) })
	t.sums = make([]uint64, d.size)
	t.panic = make([]any, 1)
	var zero T
	size := int(unsafe.Sizeof(zero))
	for rank := range d.size {
		d.chunks = append(d.chunks, split(t.l.len, d.size, rank))
	}
	// Only the slots that hold the root of a rank's local additions are
	// sent; the others were added into them during compute.
	d.sent = make([]bool, t.micro)
	for i := range d.sent {
		d.sent[i] = true
	}
	for i, rc := range t.reach {
		for s := 1; s < rc; s *= 2 {
			d.sent[i+s] = false
		}
	}
	count := func(o span) int {
		c := 0
		for j := o.lo; j < o.hi; j++ {
			if d.sent[j] {
				c++
			}
		}
		return c
	}
	mine := d.chunks[d.rank]
	total := 0
	for rank := range d.size {
		d.sendCounts = append(d.sendCounts, count(t.own[0])*d.chunks[rank].len()*size)
		d.recvCounts = append(d.recvCounts, count(owns[rank])*mine.len()*size)
		d.sumCounts = append(d.sumCounts, d.chunks[rank].len()*size)
		d.hashCounts = append(d.hashCounts, 8)
		total += count(owns[rank])
	}
	t.send = make([]T, count(t.own[0])*t.l.len)
	t.recv = make([]T, total*mine.len())
	t.sum = make([]T, t.l.len)
	t.sumVws = paramViews(&t.l, t.sum, r.params)
	chunks := make([][]T, t.micro)
	pos := 0
	for i := range chunks {
		if d.sent[i] {
			chunks[i] = t.recv[pos : pos+mine.len()]
			pos += mine.len()
		}
	}
	t.chunk = newBlocks(chunks)
	d.sumBuf = make([]byte, 8*d.size)

	// Agree on the model and the configuration before anything else.
	sig := mix(uint64(t.micro)) ^ mix(cfg.Seed+1) ^ mix(uint64(unsafe.Sizeof(zero))<<8)
	if cfg.Checksum {
		sig = mix(sig)
	}
	sig = mix(sig ^ math.Float64bits(cfg.ClipGradNorm))
	sig = mix(sig ^ math.Float64bits(t.clips.p))
	for _, s := range t.l.signature {
		sig = mix(sig ^ s)
	}
	got, err := d.gather(sig)
	if err != nil {
		return nil, err
	}
	for rank, s := range got {
		if s != got[0] {
			return nil, &MismatchError{Replica: rank, Reason: "the model, MicroBatches, Seed, Checksum, ClipGradNorm, ClipNormType or element type differs"}
		}
	}
	// Start from rank 0's parameters and buffers.
	state := make([]T, t.l.bufOff[len(r.bufs)])
	off := 0
	for _, p := range r.params {
		off += copy(state[off:], p.Value().Data())
	}
	r.saveBuffers(state[off:])
	if err := tr.Broadcast(bytesOf(state), 0); err != nil {
		return nil, err
	}
	off = 0
	for _, p := range r.params {
		off += copy(p.Value().Data(), state[off:])
	}
	copy(r.start, state[off:])
	r.loadBuffers(r.start)
	return t, nil
}

// gather returns every rank's v, in rank order.
func (d *distributed) gather(v uint64) ([]uint64, error) {
	binary.LittleEndian.PutUint64(d.sumBuf[8*d.rank:], v)
	if err := d.tr.AllgatherInPlace(d.sumBuf, d.hashCounts); err != nil {
		return nil, err
	}
	out := make([]uint64, d.size)
	for r := range out {
		out[r] = binary.LittleEndian.Uint64(d.sumBuf[8*r:])
	}
	return out, nil
}

// distStep is Step over a Transport: compute this rank's micro-batches;
// send every rank the piece of them it reduces (Alltoallv); sum this
// rank's piece of all the micro-batches in the tree order; gather the
// sums (AllgatherInPlace); apply. Each rank sends its micro-batches once
// and receives the sum once, whatever the number of ranks.
func (t *Trainer[T]) distStep() (float64, error) {
	d := t.dist
	t.run(0, phaseCompute)
	if err := t.raise(d.rank); err != nil {
		return 0, err
	}
	pos := 0
	for _, c := range d.chunks {
		for mb := t.own[0].lo; mb < t.own[0].hi; mb++ {
			if d.sent[mb] {
				pos += copy(t.send[pos:], t.slots[mb][c.lo:c.hi])
			}
		}
	}
	if err := d.tr.Alltoallv(bytesOf(t.send), d.sendCounts, bytesOf(t.recv), d.recvCounts); err != nil {
		t.Close()
		return 0, err
	}
	mine := d.chunks[d.rank]
	treeSum(t.chunk, t.reach, 0, numBlocks(mine.len()), t.micro)
	copy(t.sum[mine.lo:mine.hi], t.recv[:mine.len()]) // slot 0's chunk, always sent first
	if err := d.tr.AllgatherInPlace(bytesOf(t.sum), d.sumCounts); err != nil {
		t.Close()
		return 0, err
	}
	r := t.reps[0]
	p0 := t.l.paramOff[len(r.params)]
	var c *clipping[T]
	if t.clip {
		c = &t.clips
		c.decide(gradNorm(t.sum[:p0], c.p), t.cfg.ClipGradNorm)
	}
	stepErr := r.apply(&t.l, t.sum[p0:], t.sumVws, false, c)
	if t.cfg.Checksum {
		binary.LittleEndian.PutUint64(d.sumBuf[8*d.rank:], r.checksum())
		if err := d.tr.AllgatherInPlace(d.sumBuf, d.hashCounts); err != nil {
			t.Close()
			return 0, err
		}
		for rank := range t.sums {
			t.sums[rank] = binary.LittleEndian.Uint64(d.sumBuf[8*rank:])
		}
		if err := t.compareSums(); err != nil {
			return 0, err
		}
	}
	return float64(t.sum[t.l.loss]), stepErr
}

// bytesOf views a []T as its bytes.
func bytesOf[T Float](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}
