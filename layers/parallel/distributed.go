package parallel

import (
	"encoding/binary"
	"fmt"
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
	sumBuf     []byte
}

// NewDistributed builds a trainer whose replicas are the processes of tr,
// one per rank; every rank calls it with the same Config (Workers is
// ignored) and then Step with the same batches. Rank r computes
// micro-batches split(MicroBatches, Size, r) (consecutive, the larger
// shares first); the ranks exchange them (Alltoallv) so that rank r holds
// chunk r of every micro-batch's slot, sum their chunks in the same tree
// order as New's workers, and gather the sums (AllgatherInPlace); so the
// weights are the same bits as with New, for any number of ranks and
// workers. A rank receives about (MicroBatches/Size + 1) slots' worth of
// bytes per step.
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
	size := int(unsafe.Sizeof(zero))
	for rank := range d.size {
		d.chunks = append(d.chunks, split(t.l.len, d.size, rank))
	}
	mine := d.chunks[d.rank]
	for rank := range d.size {
		d.sendCounts = append(d.sendCounts, t.own[0].len()*d.chunks[rank].len()*size)
		d.recvCounts = append(d.recvCounts, owns[rank].len()*mine.len()*size)
		d.sumCounts = append(d.sumCounts, d.chunks[rank].len()*size)
		d.hashCounts = append(d.hashCounts, 8)
	}
	t.send = make([]T, t.own[0].len()*t.l.len)
	t.recv = make([]T, t.micro*mine.len())
	t.sum = make([]T, t.l.len)
	for i := range t.micro {
		t.chunk = append(t.chunk, t.recv[i*mine.len():(i+1)*mine.len()])
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
	if p := t.run(0, phaseCompute); p != nil {
		t.Close()
		panic(&WorkerPanic{Worker: d.rank, Value: p})
	}
	pos := 0
	for _, c := range d.chunks {
		for mb := t.own[0].lo; mb < t.own[0].hi; mb++ {
			pos += copy(t.send[pos:], t.slots[mb][c.lo:c.hi])
		}
	}
	if err := d.tr.Alltoallv(bytesOf(t.send), d.sendCounts, bytesOf(t.recv), d.recvCounts); err != nil {
		t.Close()
		return 0, err
	}
	treeSum(t.chunk, t.fused, 0, d.chunks[d.rank].len())
	copy(t.sum[d.chunks[d.rank].lo:], t.chunk[0])
	if err := d.tr.AllgatherInPlace(bytesOf(t.sum), d.sumCounts); err != nil {
		t.Close()
		return 0, err
	}
	r := t.reps[0]
	r.apply(&t.l, t.sum)
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
	return float64(t.sum[t.l.loss]), nil
}

// bytesOf views a []T as its bytes.
func bytesOf[T Float](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}
