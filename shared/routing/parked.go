package routing

import (
	"context"
	"encoding/json"
	"time"

	"github.com/concierge-cx/concierge/shared/ingest"
)

// maxParkedPerSweep bounds one sweep's republishing; the next minute takes the rest.
const maxParkedPerSweep = 500

// RepublishParked publishes again the routing jobs that ingest parked because
// their lane was down when the message arrived, so a message stored during an
// SQS outage is routed, clocked and acknowledged without a provider retry. A
// job is removed only after its publish succeeded; publishing one twice is
// harmless, as routing is idempotent by touchpoint. A job that no longer
// decodes is dropped with an error log: it would never publish.
func (s *Sweeper) RepublishParked(ctx context.Context, now time.Time) (int, error) {
	if s.Lanes == nil {
		return 0, nil
	}
	parked, err := s.Store.ParkedJobs(ctx, now, maxParkedPerSweep)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, p := range parked {
		var job ingest.Job
		if err := json.Unmarshal(p.Payload, &job); err != nil {
			logger(s.Log).Error("parked routing job does not decode; dropped", "key", p.Key, "error", err.Error())
		} else if err := s.Lanes.Publish(ctx, job); err != nil {
			return done, err // the lane is still down: the next sweep tries again
		}
		if err := s.Store.UnparkJob(ctx, p.Key); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}
