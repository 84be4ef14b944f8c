package verify

import (
	"runtime"
	"sync"

	"bastion/shared/batch"
	"bastion/shared/entry"
)

// minParallelItems is the batch size from which entries are parsed on
// every CPU: below it, starting goroutines costs more than it saves.
const minParallelItems = 64

// parseEntries parses every full entry of items, on up to GOMAXPROCS
// goroutines for a large batch, and returns each one's error (nil for a
// leaf hash or a good entry), indexed like items.
func parseEntries(items []batch.Item) []error {
	errs := make([]error, len(items))
	workers := min(runtime.GOMAXPROCS(0), len(items)/minParallelItems)
	if workers <= 1 {
		parseRange(items, errs, 0, len(items))
		return errs
	}
	per := (len(items) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(items); lo += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			parseRange(items, errs, lo, hi)
		}(lo, min(lo+per, len(items)))
	}
	wg.Wait()
	return errs
}

func parseRange(items []batch.Item, errs []error, lo, hi int) {
	for i := lo; i < hi; i++ {
		if items[i].Entry != nil {
			_, errs[i] = entry.Parse(items[i].Entry)
		}
	}
}
