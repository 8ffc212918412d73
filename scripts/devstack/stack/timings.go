package stack

import (
	"sort"
	"sync"
	"time"
)

// Timings collects how long each hop of a request took (the gateway's own work, the wait for a function's
// runtime, the function, a message's time in its queue), so `make bench-dev` can say where a webhook's
// time goes. A nil *Timings records nothing.
type Timings struct {
	mu      sync.Mutex
	samples map[string][]time.Duration
}

// maxSamples bounds each hop's memory in a long `make dev`; the bench stays far below it.
const maxSamples = 1 << 16

// Observe records one sample of hop.
func (t *Timings) Observe(hop string, d time.Duration) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.samples == nil {
		t.samples = map[string][]time.Duration{}
	}
	if len(t.samples[hop]) < maxSamples {
		t.samples[hop] = append(t.samples[hop], d)
	}
}

// Reset forgets every sample.
func (t *Timings) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.samples = nil
}

// HopStats are one hop's figures.
type HopStats struct {
	Count    int
	P50, P95 time.Duration
}

// Snapshot returns each hop's figures, by hop name.
func (t *Timings) Snapshot() map[string]HopStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]HopStats, len(t.samples))
	for hop, s := range t.samples {
		sorted := append([]time.Duration(nil), s...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		out[hop] = HopStats{Count: len(sorted), P50: sorted[len(sorted)/2], P95: sorted[min(len(sorted)-1, len(sorted)*95/100)]}
	}
	return out
}
