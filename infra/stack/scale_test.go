package stack

import (
	"strings"
	"testing"
)

// A big stage raises the shard count of the sharded keys (every function
// that reads the table gets the same KEY_SHARDS) and the routing lanes'
// concurrency; a lane's concurrency outside 2-1000 is refused at synth.
func TestScaleSettingsReachTheFunctionsAndLanes(t *testing.T) {
	_, tpl, _, err := synthWith(t, map[string]any{"KEY_SHARDS": "32", "urgentLaneConcurrency": "50", "normalLaneConcurrency": "20"})
	if err != nil {
		t.Fatal(err)
	}
	withTable := 0
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		env, _ := r.Properties["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if _, reads := vars["TABLE_NAME"]; !reads {
			continue
		}
		withTable++
		if vars["KEY_SHARDS"] != "32" {
			t.Errorf("%s: KEY_SHARDS %v, want 32", id, vars["KEY_SHARDS"])
		}
	}
	if withTable < 5 {
		t.Fatalf("only %d functions read the table", withTable)
	}
	seen := map[string]float64{}
	for _, r := range tpl.Resources {
		if r.Type != "AWS::Lambda::EventSourceMapping" {
			continue
		}
		sc, _ := r.Properties["ScalingConfig"].(map[string]any)
		m, _ := sc["MaximumConcurrency"].(float64)
		q := refs(r.Properties["EventSourceArn"])[0]
		switch {
		case strings.HasPrefix(q, "UrgentQueue"):
			seen["urgent"] = m
		case strings.HasPrefix(q, "NormalQueue"):
			seen["normal"] = m
		}
	}
	if seen["urgent"] != 50 || seen["normal"] != 20 {
		t.Fatalf("lane concurrency %v, want urgent 50 and normal 20", seen)
	}
	if _, _, _, err := synthWith(t, map[string]any{"normalLaneConcurrency": "1"}); err == nil || !strings.Contains(err.Error(), "normalLaneConcurrency") {
		t.Fatalf("a lane concurrency of 1: %v, want it refused by name", err)
	}
}
