package costs

import (
	"math"
	"testing"
	"time"
)

func TestEachPartIsPricedOnce(t *testing.T) {
	u := Usage{Messages: 2, APIRequests: 2, Invocations: []time.Duration{1500 * time.Microsecond, 3 * time.Millisecond},
		SQSRequests: 3, WriteUnits: 10, ReadUnits: 4, LogBytes: 1 << 20, LambdaMemoryMB: 1024}
	p := Prices
	want := (2*p.APIRequestPerMillion/1e6 + 2*p.LambdaRequestPerMillion/1e6 +
		0.006*p.LambdaGBSecond + // two invocations of the median (3 ms) at 1 GB
		3*p.SQSRequestPerMillion/1e6 + 10*p.WRUPerMillion/1e6 + 4*p.RRUPerMillion/1e6 +
		float64(1<<20+2*PlatformLogBytes)/(1<<30)*p.LogIngestPerGB) / 2 * 1e6
	if got := u.USDPerMillionMessages(); math.Abs(got-want) > 1e-9 {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := (Usage{}).USDPerMillionMessages(); got != 0 {
		t.Fatalf("no messages cost %v", got)
	}
}

func TestAddSumsEveryPart(t *testing.T) {
	a := Usage{Messages: 1, APIRequests: 1, Invocations: []time.Duration{time.Millisecond}, SQSRequests: 3, WriteUnits: 17, ReadUnits: 3, LogBytes: 100}
	b := Usage{Messages: 1, APIRequests: 1, Invocations: []time.Duration{time.Millisecond}, WriteUnits: 7, ReadUnits: 2, LogBytes: 50}
	s := a.Add(b)
	if s.Messages != 2 || s.APIRequests != 2 || len(s.Invocations) != 2 || s.SQSRequests != 3 || s.WriteUnits != 24 || s.ReadUnits != 5 || s.LogBytes != 150 {
		t.Fatalf("sum %+v", s)
	}
	if len(a.Invocations) != 1 {
		t.Fatal("Add changed its receiver")
	}
}
