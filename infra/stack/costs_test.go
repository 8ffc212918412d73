package stack

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/costs"
)

// cost.usd_per_million_messages prices the webhook and router functions at
// costs.LambdaMemoryMB: it must be the memory they are deployed with.
func TestCostEstimatePricesTheDeployedMemory(t *testing.T) {
	priced := map[string]bool{"webhooks": true, "router": true}
	seen := 0
	for _, f := range Functions() {
		bin := f.Binary
		if bin == "" {
			bin = f.Name
		}
		if !priced[bin] {
			continue
		}
		seen++
		if f.MemoryMB != costs.LambdaMemoryMB {
			t.Errorf("function %s has %d MB; shared/costs prices %d MB: change one", f.Name, f.MemoryMB, costs.LambdaMemoryMB)
		}
	}
	if seen < 2 {
		t.Fatalf("found %d of the priced functions", seen)
	}
}
