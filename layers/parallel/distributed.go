package parallel

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor"
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
	statBuf    []byte // every rank's status and batch hash (see agree)
	statCounts []int  // 16 per rank
	hash       uint64 // this step's batch's
}

// NewDistributed builds a trainer whose replicas are the processes of tr,
// one per rank; every rank calls it with the same Config (Workers is
// ignored) and then Step with the same batches: every rank is given the
// whole batch, not a share of it (no DistributedSampler-style sharding),
// and computes its own micro-batches of it. Step checks this in every
// step: once each rank has computed its micro-batches, and before any
// other exchange of the step, the ranks exchange whether they could and a
// hash of the batch they were given (one small AllgatherInPlace, and a
// pass over the batch to hash it): a rank given a
// batch Step refuses, or another batch than rank 0's, makes every rank's
// Step return the same *BatchError, naming the rank, without taking the
// step, and the trainers go on; a rank whose micro-batches panicked, or
// whose goroutine exited (runtime.Goexit), makes every rank's Step fail
// (a *WorkerPanic or a *GoexitError naming it) and closes every rank's
// trainer. So no rank runs ahead into exchanges of another step. A rank
// that stops calling Step, or closes its trainer alone, leaves the others
// waiting in the transport (mpi's Comm.Timeout bounds that). Rank r computes
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
		d.statCounts = append(d.statCounts, 16)
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
	d.statBuf = make([]byte, 16*d.size)

	// Agree on the model and the configuration before anything else.
	settings := []uint64{uint64(t.micro), cfg.Seed, b2u(cfg.Checksum), math.Float64bits(cfg.ClipGradNorm),
		math.Float64bits(t.clipP), uint64(unsafe.Sizeof(zero))}
	sig := uint64(0)
	for _, s := range append(settings, t.l.signature...) {
		sig = mix(sig ^ s)
	}
	got, err := d.gather(sig)
	if err != nil {
		return nil, err
	}
	for _, s := range got {
		if s != got[0] {
			return nil, d.mismatch(&t.l, settings)
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

// mismatch is NewDistributed's *MismatchError when the ranks' signatures
// differ (every rank sees it, and calls this): it finds, with more
// exchanges, the first rank whose parameters and buffers (l) differ from
// rank 0's, and the first of them that differs, and describes both; or,
// when they all agree, the first rank whose settings differ, and the
// setting.
func (d *distributed) mismatch(l *layout, settings []uint64) error {
	counts, err := d.gather(uint64(l.nparams)<<32 | uint64(len(l.names)-l.nparams))
	if err != nil {
		return err
	}
	for r, c := range counts {
		if c != counts[0] {
			return &MismatchError{Replica: r, Reason: fmt.Sprintf("it has %d parameters and %d buffers, rank 0 has %d parameters and %d buffers",
				c>>32, c&(1<<32-1), counts[0]>>32, counts[0]&(1<<32-1))}
		}
	}
	// The same numbers of parameters and buffers: compare them one by one,
	// then the settings.
	n := len(l.names)
	words := make([]uint64, n+len(settings))
	for i := range n {
		words[i] = l.entryHash(i)
	}
	copy(words[n:], settings)
	all, err := d.gatherAll(words)
	if err != nil {
		return err
	}
	for r := 1; r < d.size; r++ {
		for i, v := range all[r] {
			if v == all[0][i] {
				continue
			}
			if i >= n {
				names := []string{"MicroBatches", "Seed", "Checksum", "ClipGradNorm", "ClipNormType", "element type (size in bytes)"}
				return &MismatchError{Replica: r, Reason: fmt.Sprintf("its %s differs from rank 0's", names[i-n])}
			}
			// Exchange the descriptions of entry i, each in 256 bytes.
			const w = 256
			buf := make([]byte, w*d.size)
			copy(buf[w*d.rank:w*d.rank+w], l.desc(i))
			if err := d.tr.AllgatherInPlace(buf, slices.Repeat([]int{w}, d.size)); err != nil {
				return err
			}
			text := func(r int) string { return string(bytes.TrimRight(buf[w*r:w*r+w], "\x00")) }
			return &MismatchError{Replica: r, Reason: fmt.Sprintf("%s is %s, rank 0's is %s", l.label(i), text(r), text(0))}
		}
	}
	return &MismatchError{Replica: 0, Reason: "the ranks' signatures differ, but none of what they hash"} // unreachable
}

// gatherAll returns every rank's words (as many on every rank), in rank
// order.
func (d *distributed) gatherAll(words []uint64) ([][]uint64, error) {
	n := len(words)
	buf := make([]byte, 8*n*d.size)
	for i, v := range words {
		binary.LittleEndian.PutUint64(buf[8*(n*d.rank+i):], v)
	}
	if err := d.tr.AllgatherInPlace(buf, slices.Repeat([]int{8 * n}, d.size)); err != nil {
		return nil, err
	}
	out := make([][]uint64, d.size)
	for r := range out {
		for i := range n {
			out[r] = append(out[r], binary.LittleEndian.Uint64(buf[8*(n*r+i):]))
		}
	}
	return out, nil
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
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
// agree with the other ranks that every one did, on the same batch (see
// agree); send every rank the piece of them it reduces (Alltoallv); sum
// this rank's piece of all the micro-batches in the tree order; gather
// the sums (AllgatherInPlace); apply. Each rank sends its micro-batches
// once and receives the sum once, whatever the number of ranks.
func (t *Trainer[T]) distStep(b Batch[T]) (float64, error) {
	d := t.dist
	f, n := t.checkBatch(b)
	d.hash = batchHash(b)
	status := uint64(f) | uint64(n)<<8
	if f == batchOK {
		t.useBatch(b)
		t.step++
		t.startFromModel()
		t.reps[0].keepOwned()
		t.run(0, phaseCompute) // a runtime.Goexit agrees in exited
		if t.fails.Load() != 0 {
			status = statusPanic
		}
	}
	if err := t.agree(status); err != nil {
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

// The status a rank sends in agree: a batchFault (its low byte) with the
// batch's rows (above), or one of these.
const (
	statusPanic = 0x80 // the rank's computation panicked
	statusExit  = 0x81 // the rank's goroutine exited (runtime.Goexit) in its computation
)

// agree is the exchange that every step over a Transport starts with,
// once this rank has computed its micro-batches (or found its batch
// wrong): every rank's status and the hash of the batch it was given
// (AllgatherInPlace). Every rank then decides alike, so that none goes on
// to the collectives of the step (or of its next step) while another does
// not, and pairs them with the wrong calls. It returns nil if every rank
// computed the same batch. Otherwise this step is over on every rank:
//
//   - a rank whose computation panicked or exited (runtime.Goexit) closes
//     every rank's trainer, since its replica may be half-way through a
//     micro-batch; this rank raises its own failure as raise does, or
//     else the first failed rank's: a *WorkerPanic (its value, on other
//     ranks, an error naming the rank) or a *GoexitError;
//   - a rank whose batch Step refuses makes every rank return that
//     *BatchError, naming the rank;
//   - a rank given another batch than rank 0's (a shard of the data, say)
//     makes every rank return a *BatchError naming it.
//
// In the last two cases nothing has changed (the micro-batches computed
// are dropped, and the step not counted) and the trainer goes on.
func (t *Trainer[T]) agree(status uint64) error {
	d := t.dist
	binary.LittleEndian.PutUint64(d.statBuf[16*d.rank:], status)
	binary.LittleEndian.PutUint64(d.statBuf[16*d.rank+8:], d.hash)
	if err := d.tr.AllgatherInPlace(d.statBuf, d.statCounts); err != nil {
		t.Close()
		return err
	}
	statusOf := func(r int) uint64 { return binary.LittleEndian.Uint64(d.statBuf[16*r:]) }
	failed := func(s uint64) bool { return s == statusPanic || s == statusExit }
	for r := range d.size {
		if !failed(statusOf(r)) {
			continue
		}
		t.Close()
		if failed(status) {
			return t.raise(d.rank)
		}
		if statusOf(r) == statusExit {
			return &GoexitError{Worker: r}
		}
		panic(&WorkerPanic{Worker: r, Value: fmt.Errorf("parallel: rank %d panicked during the step (its panic value is raised on that rank)", r)})
	}
	var err *BatchError
	for r := range d.size {
		if s := statusOf(r); s&0xff != uint64(batchOK) {
			err = batchFault(s&0xff).err(int(s>>8), t.micro)
			err.Reason = fmt.Sprintf("rank %d: %s", r, err.Reason)
			break
		}
		if binary.LittleEndian.Uint64(d.statBuf[16*r+8:]) != binary.LittleEndian.Uint64(d.statBuf[8:]) {
			err = &BatchError{Reason: fmt.Sprintf("rank %d was given another batch than rank 0: over a Transport every rank must be given the whole batch, the same on every rank, not a share of it", r)}
			break
		}
	}
	if err == nil {
		return nil
	}
	if status&0xff == uint64(batchOK) {
		// Drop the micro-batches computed.
		r := t.reps[0]
		r.dropNewOwned()
		r.ownGrads()
		r.loadBuffers(r.start)
		t.step--
	}
	return err
}

// batchHash hashes what b holds (X's shape and elements, and Y's and
// Labels' if not nil), so that ranks can check that they were given the
// same batch.
func batchHash[T Float](b Batch[T]) uint64 {
	h := uint64(0x6261746368)
	for _, x := range [2]*tensor.Tensor[T]{b.X, b.Y} {
		h = mix(h)
		if x != nil {
			h = mix(h ^ hashShape(x) ^ hashData(x.Data()))
		}
	}
	h = mix(h ^ uint64(len(b.Labels)))
	if b.Labels != nil {
		h = mix(h ^ hashInts(b.Labels) ^ 1)
	}
	return h
}

// hashData hashes the bits of d, four lanes at a time so that the
// multiplies overlap, and for float32 two elements per lane.
func hashData[T Float](d []T) uint64 {
	l := [4]uint64{1, 2, 3, 4}
	k := 0
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		for ; k+8 <= len(d); k += 8 {
			q := d[k : k+8 : k+8]
			for j := range 4 {
				l[j] = (l[j] ^ floatBits(q[2*j]) ^ floatBits(q[2*j+1])<<32) * 0x100000001b3
			}
		}
	}
	for ; k+4 <= len(d); k += 4 {
		for j := range 4 {
			l[j] = (l[j] ^ floatBits(d[k+j])) * 0x100000001b3
		}
	}
	for ; k < len(d); k++ {
		l[0] = (l[0] ^ floatBits(d[k])) * 0x100000001b3
	}
	return mix(l[0]) ^ mix(l[1]+1) ^ mix(l[2]+2) ^ mix(l[3]+3)
}

// hashInts hashes labels.
func hashInts(d []int) uint64 {
	h := uint64(5)
	for _, v := range d {
		h = (h ^ uint64(v)) * 0x100000001b3
	}
	return mix(h)
}

// bytesOf views a []T as its bytes.
func bytesOf[T Float](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}
