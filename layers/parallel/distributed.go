package parallel

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Transport is what NewDistributed needs of a message-passing layer
// between processes (package layers/parallel/mpi implements it on MPI):
// a fixed set of ranks 0..Size()-1 and two collective operations on bytes.
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
}

// distributed is the state of a Trainer over a Transport.
type distributed struct {
	tr         Transport
	rank, size int
	counts     []int // bytes of micro-batch slots per rank
	sumCounts  []int // 8 per rank, for the checksums
	sumBuf     []byte
}

// NewDistributed builds a trainer whose replicas are the processes of tr,
// one per rank; every rank calls it with the same Config (Workers is
// ignored) and then Step with the same batches. Rank r computes
// micro-batches split(MicroBatches, Size, r) (consecutive, the larger
// shares first) and every rank sums all the micro-batches' gradients in
// the same tree order as New's workers, so the weights are the same bits as
// with New, for any number of ranks and workers.
//
// It returns the errors of New, a *ConfigError if there are fewer
// micro-batches than ranks, a *MismatchError naming the first rank whose
// model (parameter and buffer names and shapes), micro-batch count, seed,
// checksum setting or element type differs from rank 0's, and the
// Transport's errors. Rank 0's parameters and buffers are then broadcast
// to the others.
func NewDistributed[T Float](cfg Config[T], tr Transport) (*Trainer[T], error) {
	t, err := newTrainer(cfg)
	if err != nil {
		return nil, err
	}
	d := &distributed{tr: tr, rank: tr.Rank(), size: tr.Size()}
	if d.size < 1 || d.rank < 0 || d.rank >= d.size {
		return nil, &ConfigError{Field: "Transport", Value: fmt.Sprintf("rank %d of %d", d.rank, d.size), Reason: "invalid rank or size"}
	}
	if t.micro < d.size {
		return nil, &ConfigError{Field: "MicroBatches", Value: t.micro, Reason: fmt.Sprintf("must be at least the number of ranks (%d)", d.size)}
	}
	r, l, err := newReplica(&t.cfg, d.rank, t.micro)
	if err != nil {
		return nil, err
	}
	t.l, t.reps, t.dist = l, []*replica[T]{r}, d
	t.alloc()
	t.own = []span{split(t.micro, d.size, d.rank)}
	var owns []span
	for rank := range d.size {
		owns = append(owns, split(t.micro, d.size, rank))
	}
	t.fused = fusedPairs(t.micro, owns)
	t.elems = []span{{0, t.l.len}}
	t.sums = make([]uint64, d.size)
	var zero T
	for rank := range d.size {
		d.counts = append(d.counts, split(t.micro, d.size, rank).len()*t.l.len*int(unsafe.Sizeof(zero)))
		d.sumCounts = append(d.sumCounts, 8)
	}
	d.sumBuf = make([]byte, 8*d.size)

	// Agree on the model and the configuration before anything else.
	sig := mix(uint64(t.micro)) ^ mix(cfg.Seed+1) ^ mix(uint64(unsafe.Sizeof(zero))<<8)
	if cfg.Checksum {
		sig = mix(sig)
	}
	for _, s := range t.l.signature {
		sig = mix(sig ^ s)
	}
	got, err := d.gather(sig)
	if err != nil {
		return nil, err
	}
	for rank, s := range got {
		if s != got[0] {
			return nil, &MismatchError{Replica: rank, Reason: "the model, MicroBatches, Seed, Checksum or element type differs"}
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
	if err := d.tr.AllgatherInPlace(d.sumBuf, d.sumCounts); err != nil {
		return nil, err
	}
	out := make([]uint64, d.size)
	for r := range out {
		out[r] = binary.LittleEndian.Uint64(d.sumBuf[8*r:])
	}
	return out, nil
}

// distStep is Step over a Transport: compute this rank's micro-batches,
// gather every rank's slots, sum them all in the tree order, apply.
func (t *Trainer[T]) distStep() (float64, error) {
	d := t.dist
	if p := t.run(0, phaseCompute); p != nil {
		t.Close()
		panic(&WorkerPanic{Worker: d.rank, Value: p})
	}
	if err := d.tr.AllgatherInPlace(bytesOf(t.back), d.counts); err != nil {
		t.Close()
		return 0, err
	}
	treeSum(t.slots, t.fused, 0, t.l.len)
	r := t.reps[0]
	r.apply(&t.l, t.slots[0])
	if t.cfg.Checksum {
		binary.LittleEndian.PutUint64(d.sumBuf[8*d.rank:], r.checksum())
		if err := d.tr.AllgatherInPlace(d.sumBuf, d.sumCounts); err != nil {
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
	return float64(t.slots[0][t.l.loss]), nil
}

// bytesOf views a []T as its bytes.
func bytesOf[T Float](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}
