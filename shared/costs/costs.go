package costs

import (
	"math"
	"slices"
	"time"
)

// Usage is what a number of messages were measured to use, end to end:
// the webhook's API request and function, the routing job's trip through
// SQS and the router function, the table, and the logs.
type Usage struct {
	Messages       int
	APIRequests    int
	Invocations    []time.Duration // one per Lambda invocation, as long as it ran
	SQSRequests    int
	WriteUnits     float64
	ReadUnits      float64
	LogBytes       int64 // what the functions wrote; Lambda's own lines are added per invocation
	LambdaMemoryMB int   // 0: LambdaMemoryMB
}

// Add sums two usages.
func (u Usage) Add(o Usage) Usage {
	u.Messages += o.Messages
	u.APIRequests += o.APIRequests
	u.Invocations = append(append([]time.Duration(nil), u.Invocations...), o.Invocations...)
	u.SQSRequests += o.SQSRequests
	u.WriteUnits += o.WriteUnits
	u.ReadUnits += o.ReadUnits
	u.LogBytes += o.LogBytes
	return u
}

// USDPerMillionMessages prices u at Prices, per million messages. Lambda
// bills each invocation's duration rounded up to the millisecond; every
// invocation is taken to last the median measured, so that one slow outlier
// on a shared machine (the emulators' latency is not the cloud's) does not
// decide the figure.
func (u Usage) USDPerMillionMessages() float64 {
	if u.Messages == 0 {
		return 0
	}
	mem := u.LambdaMemoryMB
	if mem == 0 {
		mem = LambdaMemoryMB
	}
	p := Prices
	gbSeconds := 0.0
	if n := len(u.Invocations); n > 0 {
		sorted := slices.Clone(u.Invocations)
		slices.Sort(sorted)
		ms := math.Ceil(float64(sorted[n/2]) / float64(time.Millisecond))
		gbSeconds = float64(n) * ms / 1000 * float64(mem) / 1024
	}
	logGB := float64(u.LogBytes+int64(len(u.Invocations))*PlatformLogBytes) / (1 << 30)
	total := float64(u.APIRequests)*p.APIRequestPerMillion/1e6 +
		float64(len(u.Invocations))*p.LambdaRequestPerMillion/1e6 +
		gbSeconds*p.LambdaGBSecond +
		float64(u.SQSRequests)*p.SQSRequestPerMillion/1e6 +
		u.WriteUnits*p.WRUPerMillion/1e6 +
		u.ReadUnits*p.RRUPerMillion/1e6 +
		logGB*p.LogIngestPerGB
	return total / float64(u.Messages) * 1e6
}
