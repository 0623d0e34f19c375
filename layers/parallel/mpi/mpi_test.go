//go:build mpi

package mpi_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
	"github.com/adjoint-go/adjoint/layers/parallel/mpi"
	"github.com/adjoint-go/adjoint/tensor"
)

// The tests run in two ways. Under mpirun (OMPI_COMM_WORLD_SIZE is set),
// TestMain initializes MPI and the rank tests run on every rank. Otherwise
// TestMpirun launches this test binary under mpirun with 1 and 2 ranks
// (when mpirun is installed), so that a plain
//
//	go test -tags mpi ./layers/parallel/mpi/
//
// runs everything; `mpirun -np 2 go test -tags mpi ./layers/parallel/mpi/`
// works too.

var world *mpi.Comm

func underMpirun() bool { return os.Getenv("OMPI_COMM_WORLD_SIZE") != "" }

func TestMain(m *testing.M) {
	if !underMpirun() {
		os.Exit(m.Run())
	}
	var err error
	if world, err = mpi.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := world.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func needRanks(t *testing.T) {
	if world == nil {
		t.Skip("not under mpirun (TestMpirun launches it)")
	}
}

// TestCollectives checks Allreduce, Allgather, Bcast and Barrier on
// float32 and float64 against what every rank knows.
func TestCollectives(t *testing.T) {
	needRanks(t)
	r, n := world.Rank(), world.Size()
	send := []float64{float64(r + 1), float64(-r)}
	recv := make([]float64, 2)
	if err := mpi.Allreduce(world, send, recv, mpi.Sum); err != nil {
		t.Fatal(err)
	}
	if want := float64(n * (n + 1) / 2); recv[0] != want || recv[1] != -float64(n*(n-1)/2) {
		t.Errorf("Allreduce sum: %v, want [%v %v]", recv, want, -float64(n*(n-1)/2))
	}
	if err := mpi.Allreduce(world, send, recv, mpi.Max); err != nil || recv[0] != float64(n) {
		t.Errorf("Allreduce max: %v %v", recv, err)
	}
	all := make([]float32, n)
	if err := mpi.Allgather(world, []float32{float32(r) * 1.5}, all); err != nil {
		t.Fatal(err)
	}
	for i, v := range all {
		if v != float32(i)*1.5 {
			t.Errorf("Allgather[%d] = %v", i, v)
		}
	}
	b := []float32{float32(r), 7}
	if err := mpi.Bcast(world, b, n-1); err != nil || b[0] != float32(n-1) {
		t.Errorf("Bcast: %v %v", b, err)
	}
	if err := world.Barrier(); err != nil {
		t.Error(err)
	}
	if err := mpi.Allgather(world, []float32{1}, make([]float32, n+1)); err == nil {
		t.Error("Allgather accepted a recv of the wrong length")
	}
}

// TestErrorCode checks that an MPI error code comes back as an *mpi.Error.
func TestErrorCode(t *testing.T) {
	needRanks(t)
	err := mpi.Bcast(world, []float64{1}, world.Size()+3) // no such root
	var me *mpi.Error
	if !errors.As(err, &me) || me.Code == 0 || me.Msg == "" {
		t.Errorf("got %v, want an *mpi.Error", err)
	}
}

// TestSameBitsAsGoroutines trains the digits MLP (with dropout) and CNN
// for 20 steps over MPI and checks every weight against the goroutine
// trainer with 2 workers in this process.
func TestSameBitsAsGoroutines(t *testing.T) {
	needRanks(t)
	// In the same order on every rank (a map's order would differ, and the
	// ranks would then rightly report a mismatched model).
	for _, name := range []string{"mlp", "cnn"} {
		model := map[string]func(uint64) (layers.Module[float32], error){"mlp": digitsnet.MLP, "cnn": digitsnet.CNN}[name]
		t.Run(name, func(t *testing.T) {
			local, err := parallel.New(config(model, 2, 100))
			if err != nil {
				t.Fatal(err)
			}
			defer local.Close()
			// Every rank builds other weights; rank 0's (seed 101, as the
			// goroutine trainer's replica 0) are broadcast.
			dist, err := parallel.NewDistributed(config(model, 0, 100+uint64(10*world.Rank())), world)
			if err != nil {
				t.Fatal(err)
			}
			for s := range 20 {
				b := batch(uint64(s%4), 50)
				l1, err := local.Step(b)
				if err != nil {
					t.Fatal(err)
				}
				l2, err := dist.Step(b)
				if err != nil {
					t.Fatal(err)
				}
				if l1 != l2 {
					t.Errorf("step %d: loss %v over %d ranks, %v on goroutines", s, l2, world.Size(), l1)
				}
			}
			want, got := local.Model().Parameters(), dist.Model().Parameters()
			diffs := 0
			for i := range want {
				for k, v := range want[i].Value().Data() {
					if math.Float32bits(v) != math.Float32bits(got[i].Value().Data()[k]) {
						diffs++
					}
				}
			}
			if diffs > 0 {
				t.Errorf("%d weights differ between %d ranks and the goroutine trainer", diffs, world.Size())
			}
		})
	}
}

// TestMismatchedModel: when rank 1 runs another model, every rank gets a
// *parallel.MismatchError, none hangs.
func TestMismatchedModel(t *testing.T) {
	needRanks(t)
	if world.Size() < 2 {
		t.Skip("needs 2 ranks")
	}
	model := digitsnet.MLP
	if world.Rank() == 1 {
		model = digitsnet.CNN
	}
	_, err := parallel.NewDistributed(config(model, 0, 1), world)
	var me *parallel.MismatchError
	if !errors.As(err, &me) || me.Replica != 1 {
		t.Errorf("got %v, want a *parallel.MismatchError naming rank 1", err)
	}
}

// TestBadBatchOnOneRank: when the last rank's batch at step 1 is too
// short, every rank's Step returns the same *parallel.BatchError naming
// that rank, none runs ahead or waits, and the ranks then train on
// together, their checksums agreeing.
func TestBadBatchOnOneRank(t *testing.T) {
	needRanks(t)
	tr, err := parallel.NewDistributed(config(digitsnet.MLP, 0, 1), world)
	if err != nil {
		t.Fatal(err)
	}
	last := world.Size() - 1
	want := fmt.Sprintf("parallel: Step: rank %d: the batch has 7 rows", last)
	for s := range 3 {
		b := batch(uint64(s), 50)
		if s == 1 && world.Rank() == last {
			b = batch(1, 7)
		}
		_, err := tr.Step(b)
		var be *parallel.BatchError
		switch {
		case s != 1 && err != nil:
			t.Fatalf("step %d: %v", s, err)
		case s == 1 && (!errors.As(err, &be) || !strings.HasPrefix(err.Error(), want)):
			t.Fatalf("step 1: %v, want a *parallel.BatchError %q...", err, want)
		}
	}
	if tr.Steps() != 2 {
		t.Errorf("Steps() = %d, want 2", tr.Steps())
	}
}

// TestDeadRank runs only when TestMpirun asks for it: rank 1 stays alive
// but never reaches the barrier, and rank 0 must get a *mpi.TimeoutError
// within its Timeout, then exit, and mpirun end the job.
func TestDeadRank(t *testing.T) {
	if world == nil || os.Getenv("ADJOINT_MPI_DEADRANK") == "" {
		t.Skip("launched by TestMpirun only")
	}
	if world.Rank() == 1 {
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	world.Timeout = 2 * time.Second
	start := time.Now()
	err := world.Barrier()
	var te *mpi.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want an *mpi.TimeoutError", err)
	}
	fmt.Printf("rank 0: %v after %v\n", err, time.Since(start).Round(100*time.Millisecond))
	os.Exit(3) // what a program does after a TimeoutError
}

// TestMpirun launches this test binary under mpirun with 1 and 2 ranks,
// and once with a rank that never arrives.
func TestMpirun(t *testing.T) {
	if underMpirun() {
		t.Skip("already under mpirun")
	}
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun is not installed")
	}
	args := func(np int, run string) []string {
		a := []string{"-np", fmt.Sprint(np), "--oversubscribe"}
		if os.Geteuid() == 0 {
			a = append(a, "--allow-run-as-root")
		}
		return append(a, os.Args[0], "-test.run", run, "-test.v", "-test.count=1")
	}
	for _, np := range []int{1, 2} {
		t.Run(fmt.Sprintf("np=%d", np), func(t *testing.T) {
			out, err := exec.Command(mpirun, args(np, "TestCollectives|TestErrorCode|TestSameBitsAsGoroutines|TestMismatchedModel|TestBadBatchOnOneRank")...).CombinedOutput()
			if err != nil || strings.Contains(string(out), "--- FAIL") {
				t.Fatalf("mpirun -np %d: %v\n%s", np, err, out)
			}
			if n := strings.Count(string(out), "--- PASS: TestSameBitsAsGoroutines/"); n != 2*np {
				t.Errorf("mpirun -np %d: %d ranks×models passed TestSameBitsAsGoroutines, want %d\n%s", np, n, 2*np, out)
			}
			if n := strings.Count(string(out), "--- PASS: TestBadBatchOnOneRank"); n != np {
				t.Errorf("mpirun -np %d: %d ranks passed TestBadBatchOnOneRank, want %d\n%s", np, n, np, out)
			}
		})
	}
	t.Run("dead rank", func(t *testing.T) {
		cmd := exec.Command(mpirun, args(2, "TestDeadRank")...)
		cmd.Env = append(os.Environ(), "ADJOINT_MPI_DEADRANK=1")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("mpirun exited 0 with a dead rank\n%s", out)
		}
		if !strings.Contains(string(out), "did not complete within 2s") {
			t.Errorf("rank 0 did not report the timeout\n%s", out)
		}
		if d := time.Since(start); d > 45*time.Second {
			t.Errorf("the job took %v to end", d)
		}
	})
}

// config trains model with Adam; the replicas are built from seeds seed+1,
// seed+2, ...
func config(model func(uint64) (layers.Module[float32], error), workers int, seed uint64) parallel.Config[float32] {
	return parallel.Config[float32]{
		Model: func() (layers.Module[float32], error) { seed++; return model(seed) },
		Optimizer: func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdam(ps, 3e-3)
		},
		Loss: func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
			return autograd.CrossEntropy(out, mb.Labels)
		},
		Workers:  workers,
		Seed:     42,
		Checksum: true,
	}
}

func batch(seed uint64, n int) parallel.Batch[float32] {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := tensor.RandUniform[float32](rng, 0, 1, n, 1, 8, 8)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	return parallel.Batch[float32]{X: x, Labels: labels}
}

// TestCollectiveCost measures, when ADJOINT_MPI_COST is set, the time of
// Allreduce (float32 sum) and of the trainer's two exchanges
// (AllgatherInPlace and Alltoallv of a buffer split evenly among the
// ranks) per megabyte, for the cost model of the README; rank 0 prints it. It is a test, not a benchmark, because
// every rank must run the same number of calls:
//
//	ADJOINT_MPI_COST=1 mpirun -np 2 --oversubscribe go test -tags mpi -run CollectiveCost -v ./layers/parallel/mpi/
func TestCollectiveCost(t *testing.T) {
	if world == nil || os.Getenv("ADJOINT_MPI_COST") == "" {
		t.Skip("set ADJOINT_MPI_COST and run under mpirun")
	}
	const reps = 20
	for _, mb := range []int{1, 4, 16} {
		n := mb << 20 / 4
		send, recv := make([]float32, n), make([]float32, n)
		buf := make([]byte, mb<<20)
		counts := make([]int, world.Size())
		for r := range counts {
			counts[r] = len(buf) / world.Size()
		}
		counts[0] += len(buf) - len(buf)/world.Size()*world.Size()
		send2, recv2 := make([]byte, len(buf)), make([]byte, len(buf))
		for _, op := range []string{"Allreduce", "AllgatherInPlace", "Alltoallv"} {
			if err := world.Barrier(); err != nil {
				t.Fatal(err)
			}
			times := make([]time.Duration, reps)
			for i := range times {
				start := time.Now()
				var err error
				switch op {
				case "Allreduce":
					err = mpi.Allreduce(world, send, recv, mpi.Sum)
				case "AllgatherInPlace":
					err = world.AllgatherInPlace(buf, counts)
				default:
					err = world.Alltoallv(send2, counts, recv2, counts)
				}
				if err != nil {
					t.Fatal(err)
				}
				times[i] = time.Since(start)
			}
			slices.Sort(times)
			if world.Rank() == 0 {
				fmt.Printf("%d ranks %-16s %2d MB: median %8.3f ms (%.3f ms/MB), fastest %.3f ms\n",
					world.Size(), op, mb, ms(times[reps/2]), ms(times[reps/2])/float64(mb), ms(times[0]))
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
