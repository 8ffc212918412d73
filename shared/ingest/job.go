// Package ingest turns an adapter's domain.Inbound into a stored touchpoint
// and a routing job: normalize the sender's identities, resolve the customer,
// record the touchpoint exactly once, score its urgency and hand it to the
// routing lane, or, for a follow-up that changes nothing but the
// conversation's timestamps, apply it in place. Webhooks, email and Connect
// all come through here.
package ingest

import "github.com/concierge-cx/concierge/shared/jobs"

// Job is the routing job for one inbound touchpoint (jobs.Routing), sent to
// an SQS lane.
type Job = jobs.Routing
