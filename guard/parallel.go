package guard

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// minPerWorker is the fewest items worth handing to another goroutine: a
// full entry costs a few microseconds to check, a goroutine about one.
const minPerWorker = 64

// firstFailing calls ok for every index below n, spread over up to
// GOMAXPROCS goroutines in contiguous ranges, and returns the smallest
// index for which ok is false, or -1. The result does not depend on
// scheduling: every index below the one returned was checked and passed.
// ok must be safe for concurrent use.
func firstFailing(n int, ok func(i int) bool) int {
	workers := min(runtime.GOMAXPROCS(0), n/minPerWorker)
	if workers <= 1 {
		return firstFailingIn(0, n, ok, nil)
	}
	var lowest atomic.Int64
	lowest.Store(int64(n))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			if i := firstFailingIn(lo, hi, ok, &lowest); i >= 0 {
				lowerTo(&lowest, int64(i))
			}
		})
	}
	wg.Wait()
	if i := int(lowest.Load()); i < n {
		return i
	}
	return -1
}

// yieldEvery is how many items a check loop runs before it lets other
// goroutines run (runtime.Gosched). The committer's work is short CPU
// bursts between system calls; on a single core, a goroutine returning
// from fsync would otherwise wait for the checking goroutine's whole
// time slice (10 ms) after each call. 64 entries are about 0.2 ms.
const yieldEvery = 64

// firstFailingIn checks lo to hi in order. It stops early once lowest,
// when given, holds an index below the one it would check next: a failure
// there is the answer whatever this range holds.
func firstFailingIn(lo, hi int, ok func(int) bool, lowest *atomic.Int64) int {
	for i := lo; i < hi; i++ {
		if (i-lo)%yieldEvery == yieldEvery-1 {
			runtime.Gosched()
		}
		if lowest != nil && i&15 == 0 && lowest.Load() < int64(i) {
			return -1
		}
		if !ok(i) {
			return i
		}
	}
	return -1
}

// lowerTo sets v to i if i is smaller.
func lowerTo(v *atomic.Int64, i int64) {
	for {
		cur := v.Load()
		if i >= cur || v.CompareAndSwap(cur, i) {
			return
		}
	}
}

// forEach calls fn for every index below n, spread like firstFailing.
func forEach(n int, fn func(i int)) {
	firstFailing(n, func(i int) bool { fn(i); return true })
}
