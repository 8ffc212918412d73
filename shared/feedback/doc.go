// Package feedback is the satisfaction survey: the message that asks a
// customer for a 1-5 score once their conversation is resolved (owed in the
// resolve's own transaction and sent until done, once), the single-use
// token that answers it, the reading of a bare "5" on the customer's channel
// as a score, and the recording of a score (a low one opens a follow-up for
// the supervisors). The agent API and the webhooks function both use it.
package feedback
