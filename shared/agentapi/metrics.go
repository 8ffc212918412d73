package agentapi

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// Report is GET /metrics. It counts the conversations resolved in the range
// (through the agent API, which writes one metrics item per resolution into
// its day) and the scores given in it.
type Report struct {
	From            time.Time                  `json:"from"`
	To              time.Time                  `json:"to"`
	Resolved        int                        `json:"resolved"`
	FirstResponse   durationStats              `json:"firstResponse"`
	Resolution      durationStats              `json:"resolution"`
	SLAAttainment   map[domain.Priority]attain `json:"slaAttainment"`
	Satisfaction    satisfaction               `json:"satisfaction"`
	VolumeByChannel map[domain.Channel]int     `json:"volumeByChannel"`
}

type durationStats struct {
	Count          int     `json:"count"`
	P50Seconds     float64 `json:"p50Seconds"`
	P90Seconds     float64 `json:"p90Seconds"`
	AverageSeconds float64 `json:"averageSeconds"`
}

type attain struct {
	Resolved int     `json:"resolved"`
	Met      int     `json:"met"`
	Rate     float64 `json:"rate"`
}

type satisfaction struct {
	Count   int     `json:"count"`
	Average float64 `json:"average"`
}

const dayLayout = "2006-01-02"

// timeParam reads a date (YYYY-MM-DD, UTC; as "to" it includes that day)
// or an RFC 3339 instant.
func timeParam(raw, name string, isEnd bool) (time.Time, error) {
	if t, err := time.Parse(dayLayout, raw); err == nil {
		if isEnd {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, domain.Errorf(domain.CodeInvalid, "%s must be a date (2026-11-20) or an RFC 3339 time", name)
}

func (a *API) metrics(ctx context.Context, c *call) (reply, error) {
	q, err := query(c, "from", "to")
	if err != nil {
		return reply{}, err
	}
	to := a.Store.Now()
	if raw := q["to"]; raw != "" {
		if to, err = timeParam(raw, "to", true); err != nil {
			return reply{}, err
		}
	}
	from := to.AddDate(0, 0, -7)
	if raw := q["from"]; raw != "" {
		if from, err = timeParam(raw, "from", false); err != nil {
			return reply{}, err
		}
	}
	convs, scores, err := a.Store.MetricsRange(ctx, from, to)
	if err != nil {
		return reply{}, err
	}
	return ok(buildReport(from, to, convs, scores)), nil
}

func buildReport(from, to time.Time, convs []store.ConversationMetric, scores []store.FeedbackMetric) Report {
	r := Report{From: from, To: to, Resolved: len(convs), SLAAttainment: map[domain.Priority]attain{}, VolumeByChannel: map[domain.Channel]int{}}
	var first, resolution []float64
	for _, m := range convs {
		if !m.FirstResponseAt.IsZero() {
			first = append(first, m.FirstResponseAt.Sub(m.OpenedAt).Seconds())
		}
		resolution = append(resolution, m.ResolvedAt.Sub(m.OpenedAt).Seconds())
		at := r.SLAAttainment[m.Priority]
		at.Resolved++
		if !m.Breached {
			at.Met++
		}
		at.Rate = float64(at.Met) / float64(at.Resolved)
		r.SLAAttainment[m.Priority] = at
		if m.Channel != "" {
			r.VolumeByChannel[m.Channel]++
		}
	}
	r.FirstResponse, r.Resolution = stats(first), stats(resolution)
	sum := 0
	for _, s := range scores {
		sum += s.Score
	}
	if len(scores) > 0 {
		r.Satisfaction = satisfaction{Count: len(scores), Average: math.Round(float64(sum)/float64(len(scores))*100) / 100}
	}
	return r
}

// stats: nearest-rank percentiles, so a reported p90 is a time that
// actually happened.
func stats(v []float64) durationStats {
	if len(v) == 0 {
		return durationStats{}
	}
	slices.Sort(v)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return v[max(i, 0)]
	}
	total := 0.0
	for _, x := range v {
		total += x
	}
	return durationStats{Count: len(v), P50Seconds: rank(0.5), P90Seconds: rank(0.9), AverageSeconds: math.Round(total/float64(len(v))*10) / 10}
}
