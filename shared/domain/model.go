package domain

import "time"

// Channel is the medium a touchpoint travelled on.
type Channel string

const (
	ChannelSMS       Channel = "sms"
	ChannelWhatsApp  Channel = "whatsapp"
	ChannelMessenger Channel = "messenger"
	ChannelTelegram  Channel = "telegram"
	ChannelZalo      Channel = "zalo"
	ChannelViber     Channel = "viber"
	ChannelVoice     Channel = "voice"
	ChannelEmail     Channel = "email"
	ChannelWebchat   Channel = "webchat"
	ChannelAgent     Channel = "agent" // internal: notes, merges
)

type Direction string

const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

type TouchpointKind string

const (
	KindMessage    TouchpointKind = "message"
	KindCall       TouchpointKind = "call"
	KindMissedCall TouchpointKind = "missed_call"
	KindVoicemail  TouchpointKind = "voicemail"
	KindTranscript TouchpointKind = "transcript"
	KindEmailMsg   TouchpointKind = "email"
	KindFeedback   TouchpointKind = "feedback"
	KindPurchase   TouchpointKind = "purchase"
	KindRefund     TouchpointKind = "refund"
	KindTierChange TouchpointKind = "tier_change"
	KindOutreach   TouchpointKind = "outreach"
	KindConsent    TouchpointKind = "consent"
	KindNote       TouchpointKind = "note"
	KindStatus     TouchpointKind = "status"
)

type DeliveryStatus string

const (
	StatusReceived  DeliveryStatus = "received" // inbound
	StatusQueued    DeliveryStatus = "queued"
	StatusSent      DeliveryStatus = "sent"
	StatusDelivered DeliveryStatus = "delivered"
	StatusRead      DeliveryStatus = "read"
	StatusFailed    DeliveryStatus = "failed"
)

// statusRank orders delivery statuses so a late "sent" never overwrites "read".
var statusRank = map[DeliveryStatus]int{StatusQueued: 1, StatusSent: 2, StatusDelivered: 3, StatusRead: 4, StatusFailed: 5}

// StatusRank is the progression order of a delivery status (0 if unknown).
func StatusRank(s DeliveryStatus) int { return statusRank[s] }

// Attachment references a stored file; the bytes live in S3 or at the provider.
type Attachment struct {
	Name        string `json:"name,omitempty" dynamodbav:"name,omitempty"`
	ContentType string `json:"contentType,omitempty" dynamodbav:"contentType,omitempty"`
	Size        int64  `json:"size,omitempty" dynamodbav:"size,omitempty"`
	SHA256      string `json:"sha256,omitempty" dynamodbav:"sha256,omitempty"`
	URL         string `json:"url,omitempty" dynamodbav:"url,omitempty"` // provider media reference or URL, or s3://bucket/key
	Inline      bool   `json:"inline,omitempty" dynamodbav:"inline,omitempty"`
	// Download is where fetching a provider's media stands (shared/media):
	// empty for a file stored with its message (email) or not yet tried,
	// then stored, retrying, failed or reference (kept as a reference:
	// too large or a type not taken). Note says why, for the agent.
	Download string `json:"download,omitempty" dynamodbav:"download,omitempty"`
	Note     string `json:"note,omitempty" dynamodbav:"note,omitempty"`
	// Source is the provider's reference a stored file was downloaded from.
	Source string `json:"source,omitempty" dynamodbav:"source,omitempty"`
}

// Customer is one person, whatever channels they use.
type Customer struct {
	ID          string            `json:"id" dynamodbav:"customerId"`
	DisplayName string            `json:"displayName,omitempty" dynamodbav:"displayName,omitempty"`
	NameSource  string            `json:"nameSource,omitempty" dynamodbav:"nameSource,omitempty"` // "provider" or "agent": a provider name never overwrites an agent's
	Language    string            `json:"language,omitempty" dynamodbav:"language,omitempty"`
	Tier        string            `json:"tier,omitempty" dynamodbav:"tier,omitempty"`
	Tags        []string          `json:"tags,omitempty" dynamodbav:"tags,omitempty"`
	Preferences map[string]string `json:"preferences,omitempty" dynamodbav:"preferences,omitempty"`
	Notes       string            `json:"notes,omitempty" dynamodbav:"notes,omitempty"`
	Identities  []Identity        `json:"identities,omitempty" dynamodbav:"identities,omitempty"`
	// IdentityProof holds the proof of each identity, by its key ("phone#+84..."):
	// verified or staff (claimed identities are never on a profile).
	IdentityProof map[string]Proof `json:"identityProof,omitempty" dynamodbav:"identityProof,omitempty"`
	// LastFrom is, per channel, the key of the identity that sent the
	// customer's latest inbound message there: where a reply goes.
	LastFrom        map[Channel]string `json:"lastFrom,omitempty" dynamodbav:"lastFrom,omitempty"`
	FirstContactAt  time.Time          `json:"firstContactAt,omitzero" dynamodbav:"firstContactAt,omitempty"`
	LastContactAt   time.Time          `json:"lastContactAt,omitzero" dynamodbav:"lastContactAt,omitempty"`
	LastChannel     Channel            `json:"lastChannel,omitempty" dynamodbav:"lastChannel,omitempty"`
	MostUsedChannel Channel            `json:"mostUsedChannel,omitempty" dynamodbav:"-"`
	ChannelCounts   map[Channel]int    `json:"channelCounts,omitempty" dynamodbav:"channelCounts,omitempty"`
	LifetimeValue   int64              `json:"lifetimeValue,omitempty" dynamodbav:"lifetimeValue,omitempty"` // minor units of the business currency, net of refunds
	// Purchase figures, kept by the purchases recorder (issue 16).
	OrderCount            int       `json:"orderCount,omitempty" dynamodbav:"orderCount,omitempty"`
	FirstPurchaseAt       time.Time `json:"firstPurchaseAt,omitzero" dynamodbav:"firstPurchaseAt,omitempty"`
	LastPurchaseAt        time.Time `json:"lastPurchaseAt,omitzero" dynamodbav:"lastPurchaseAt,omitempty"`
	MedianPurchaseGapDays float64   `json:"medianPurchaseGapDays,omitempty" dynamodbav:"medianPurchaseGapDays,omitempty"`
	// TierPinned keeps a supervisor's tier through recomputes; TierSetAt is
	// when the tier last changed.
	TierPinned bool      `json:"tierPinned,omitempty" dynamodbav:"tierPinned,omitempty"`
	TierSetAt  time.Time `json:"tierSetAt,omitzero" dynamodbav:"tierSetAt,omitempty"`
	// The latest satisfaction score and when it was given (win-back reads it).
	LastSatisfactionScore int       `json:"lastSatisfactionScore,omitempty" dynamodbav:"lastSatisfactionScore,omitempty"`
	LastSatisfactionAt    time.Time `json:"lastSatisfactionAt,omitzero" dynamodbav:"lastSatisfactionAt,omitempty"`
	// Consent is, per channel, whether proactive messages may be sent.
	Consent            map[Channel]Consent `json:"consent,omitempty" dynamodbav:"consent,omitempty"`
	SatisfactionSum    int                 `json:"-" dynamodbav:"satisfactionSum,omitempty"`
	SatisfactionCount  int                 `json:"satisfactionCount,omitempty" dynamodbav:"satisfactionCount,omitempty"`
	SatisfactionAvg    float64             `json:"satisfactionAverage,omitempty" dynamodbav:"-"`
	OpenConversationID string              `json:"openConversationId,omitempty" dynamodbav:"openConversationId,omitempty"`
	MergedInto         string              `json:"mergedInto,omitempty" dynamodbav:"mergedInto,omitempty"`
	MergedFrom         []string            `json:"mergedFrom,omitempty" dynamodbav:"mergedFrom,omitempty,stringset"`
	CreatedAt          time.Time           `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt          time.Time           `json:"updatedAt" dynamodbav:"updatedAt"`
	Version            int64               `json:"version" dynamodbav:"version"`
	Extra              map[string]string   `json:"extra,omitempty" dynamodbav:"extra,omitempty"`
	// SuggestedWith lists the customers a possible-duplicate suggestion
	// already pairs this one with (open, dismissed or merged), so a later
	// message repeating the same claim writes nothing more.
	SuggestedWith []string `json:"-" dynamodbav:"suggestedWith,omitempty,stringset"`
}

// Consent records a customer's choice about proactive messages on one
// channel, with where it came from ("keyword:HỦY", "agent", "api") and when.
type Consent struct {
	OptedOut bool      `json:"optedOut" dynamodbav:"optedOut"`
	Source   string    `json:"source,omitempty" dynamodbav:"source,omitempty"`
	At       time.Time `json:"at" dynamodbav:"at"`
}

// Tiers, from the 80/20 ranking of customers by value.
const (
	TierVIP      = "vip"
	TierValued   = "valued"
	TierStandard = "standard"
)

// Derive fills the fields computed from stored counters.
func (c *Customer) Derive() {
	best, bestN := Channel(""), 0
	for ch, n := range c.ChannelCounts {
		if n > bestN || (n == bestN && ch < best) {
			best, bestN = ch, n
		}
	}
	c.MostUsedChannel = best
	if c.SatisfactionCount > 0 {
		c.SatisfactionAvg = float64(c.SatisfactionSum) / float64(c.SatisfactionCount)
	}
}

// Touchpoint is one event on a customer's timeline.
type Touchpoint struct {
	ID                string            `json:"id" dynamodbav:"touchpointId"`
	CustomerID        string            `json:"customerId" dynamodbav:"customerId"`
	ConversationID    string            `json:"conversationId,omitempty" dynamodbav:"conversationId,omitempty"`
	Channel           Channel           `json:"channel" dynamodbav:"channel"`
	Direction         Direction         `json:"direction" dynamodbav:"direction"`
	Kind              TouchpointKind    `json:"kind" dynamodbav:"kind"`
	Provider          string            `json:"provider,omitempty" dynamodbav:"provider,omitempty"`
	ProviderMessageID string            `json:"providerMessageId,omitempty" dynamodbav:"providerMessageId,omitempty"`
	Text              string            `json:"text,omitempty" dynamodbav:"text,omitempty"`
	Subject           string            `json:"subject,omitempty" dynamodbav:"subject,omitempty"`
	Attachments       []Attachment      `json:"attachments,omitempty" dynamodbav:"attachments,omitempty"`
	OccurredAt        time.Time         `json:"occurredAt" dynamodbav:"occurredAt"`
	ReceivedAt        time.Time         `json:"receivedAt" dynamodbav:"receivedAt"`
	Status            DeliveryStatus    `json:"status,omitempty" dynamodbav:"deliveryStatus,omitempty"`
	StatusAt          time.Time         `json:"statusAt,omitzero" dynamodbav:"statusAt,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty" dynamodbav:"metadata,omitempty"`
	// From is the identity an inbound touchpoint came from.
	From *Identity `json:"from,omitempty" dynamodbav:"from,omitempty"`
	// UnverifiedSender: the sender's address failed authentication (email
	// whose From failed DMARC, or passed neither SPF nor DKIM aligned).
	UnverifiedSender bool `json:"unverifiedSender,omitempty" dynamodbav:"unverifiedSender,omitempty"`
}

type ConversationStatus string

const (
	ConversationOpen     ConversationStatus = "open"
	ConversationPending  ConversationStatus = "pending"
	ConversationResolved ConversationStatus = "resolved"
)

type Priority string

const (
	PriorityUrgent Priority = "urgent"
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
)

// Conversation groups touchpoints about one request, across channels.
type Conversation struct {
	ID          string             `json:"id" dynamodbav:"conversationId"`
	CustomerID  string             `json:"customerId" dynamodbav:"customerId"`
	Status      ConversationStatus `json:"status" dynamodbav:"status"`
	Priority    Priority           `json:"priority" dynamodbav:"priority"`
	LastChannel Channel            `json:"lastChannel,omitempty" dynamodbav:"lastChannel,omitempty"`
	AssigneeID  string             `json:"assigneeId,omitempty" dynamodbav:"assigneeId,omitempty"`
	Team        string             `json:"team,omitempty" dynamodbav:"team,omitempty"`
	Language    string             `json:"language,omitempty" dynamodbav:"language,omitempty"` // the customer's, kept here so assigning needs no profile read
	OpenedAt    time.Time          `json:"openedAt" dynamodbav:"openedAt"`
	// AwaitingRoute: a customer's message opened the conversation and its
	// routing job is on its way (cleared when the router first applies a
	// job). Not set when staff opened it or its first message is not
	// routed (quarantined mail): no job would follow.
	AwaitingRoute bool      `json:"-" dynamodbav:"awaitingRoute,omitempty"`
	LastMessageAt time.Time `json:"lastMessageAt,omitzero" dynamodbav:"lastMessageAt,omitempty"`
	ResolvedAt    time.Time `json:"resolvedAt,omitzero" dynamodbav:"resolvedAt,omitempty"`
	UpdatedAt     time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	Version       int64     `json:"version" dynamodbav:"version"`

	// Routing state, written by the router, the SLA sweeper and the agent API.
	Urgency         *Urgency  `json:"urgency,omitempty" dynamodbav:"urgency,omitempty"`
	AssignedAt      time.Time `json:"assignedAt,omitzero" dynamodbav:"assignedAt,omitempty"`
	LastInboundAt   time.Time `json:"lastInboundAt,omitzero" dynamodbav:"lastInboundAt,omitempty"`
	FirstResponseAt time.Time `json:"firstResponseAt,omitzero" dynamodbav:"firstResponseAt,omitempty"`
	AckedAt         time.Time `json:"acknowledgedAt,omitzero" dynamodbav:"ackedAt,omitempty"`
	Escalated       bool      `json:"escalated,omitempty" dynamodbav:"escalated,omitempty"`
	SLA             SLA       `json:"sla" dynamodbav:"sla"`

	// Callback is owed to a caller no agent answered (issue 18): due within
	// the SLA's first-response target, satisfied by an agent's call back.
	Callback *Callback `json:"callback,omitempty" dynamodbav:"callback,omitempty"`

	// MergedInto is the target's conversation this one was closed into when
	// its customer was merged (written by store.Merge); carried here so a
	// whole-item save never drops it. A merged-away conversation is closed.
	MergedInto string `json:"mergedInto,omitempty" dynamodbav:"mergedInto,omitempty"`

	// Owed lists the side effects a change of this conversation owes and
	// that are not done yet ("ack", "notify:assigned:<agent id>"): written in
	// the same write as the change, removed once done, so a crash between
	// the two leaves them here for the retry (routing.Router).
	Owed []string `json:"-" dynamodbav:"owed,stringset,omitempty"`

	// IndexKeys are the index keys the stored item carries, set by the store
	// when it reads or saves the conversation, so that a save rewrites only
	// the index entries that move. Nil: unknown (every key is written).
	IndexKeys map[string]string `json:"-" dynamodbav:"-"`
}

// Closed says the conversation takes no more work: resolved, or merged away.
func (c Conversation) Closed() bool {
	return c.Status == ConversationResolved || c.MergedInto != ""
}

// Callback is a call back owed to a customer whose call nobody answered:
// queues show it as "call back" until an agent calls (DoneAt).
type Callback struct {
	DueAt time.Time `json:"dueAt" dynamodbav:"dueAt"`
	// MissedCalls are the recent missed calls' times (the last few), which
	// make repeated missed calls urgent; a redelivered one is the same time.
	MissedCalls []time.Time `json:"missedCalls,omitempty" dynamodbav:"missedCalls,omitempty"`
	DoneAt      time.Time   `json:"doneAt,omitzero" dynamodbav:"doneAt,omitempty"`
	DoneBy      string      `json:"doneBy,omitempty" dynamodbav:"doneBy,omitempty"`
	// Label is what a queue shows: "call back" while owed.
	Label string `json:"label,omitempty" dynamodbav:"label,omitempty"`
}

// Owed says the call back is still to be made.
func (c *Callback) Owed() bool { return c != nil && c.DoneAt.IsZero() }

// Urgency is the explained score of the conversation's most urgent message.
type Urgency struct {
	Score   int      `json:"score" dynamodbav:"score"`
	Reasons []string `json:"reasons,omitempty" dynamodbav:"reasons,omitempty"`
}

// SLA is the stored state of the conversation's running SLA clock: which
// target it measures and when it warns and breaches. The sla package does the
// business-time arithmetic.
type SLA struct {
	Metric string `json:"metric,omitempty" dynamodbav:"metric,omitempty"` // first_response, next_response, resolution
	// SLAClock is the running target's state, stored inline; sla.Clock
	// computes with it (the one SLA state type, no copy between two).
	SLAClock
	// Breaches lists every target missed in this conversation ("first_response@2026-...").
	Breaches []string `json:"breaches,omitempty" dynamodbav:"breaches,omitempty"`
}

// SLAClock is the state of one SLA target: when it started, how long it
// waited on the customer, when it is due, warned, breached or met. DueAt and
// WarnAt include every finished pause, so an index can sort on them.
type SLAClock struct {
	StartedAt time.Time `json:"startedAt,omitzero" dynamodbav:"startedAt,omitempty"`
	// PausedTotal is the business time spent waiting on the customer.
	PausedTotal time.Duration `json:"pausedTotal,omitempty" dynamodbav:"pausedTotal,omitempty"`
	// PausedSince is set while the conversation is pending on the customer.
	PausedSince time.Time `json:"pausedSince,omitzero" dynamodbav:"pausedSince,omitempty"`
	DueAt       time.Time `json:"dueAt,omitzero" dynamodbav:"dueAt,omitempty"`
	WarnAt      time.Time `json:"warnAt,omitzero" dynamodbav:"warnAt,omitempty"`
	// WarnedAt and BreachedAt record the events already raised, so each
	// happens once even if the sweeper runs again (they are saved under the
	// conversation's version).
	WarnedAt   time.Time `json:"warnedAt,omitzero" dynamodbav:"warnedAt,omitempty"`
	BreachedAt time.Time `json:"breachedAt,omitzero" dynamodbav:"breachedAt,omitempty"`
	// MetAt is when the target was met (the agent answered); the clock stops.
	MetAt time.Time `json:"metAt,omitzero" dynamodbav:"metAt,omitempty"`
}

// QueueDue is the time a conversation waits against in a work queue: its
// SLA due time, or when it opened while no clock runs.
func QueueDue(c Conversation) time.Time {
	if !c.SLA.DueAt.IsZero() {
		return c.SLA.DueAt
	}
	return c.OpenedAt
}

// QueueOrder is the one order of a work queue (the index's sort key follows
// it too): urgent first, then the earliest due. A comparison for slices.SortFunc.
func QueueOrder(a, b Conversation) int {
	if ra, rb := PriorityRank(a.Priority), PriorityRank(b.Priority); ra != rb {
		return ra - rb
	}
	return QueueDue(a).Compare(QueueDue(b))
}

// PriorityRank orders priorities: urgent first.
func PriorityRank(p Priority) int {
	switch p {
	case PriorityUrgent:
		return 1
	case PriorityHigh:
		return 2
	case PriorityNormal:
		return 3
	case PriorityLow:
		return 4
	}
	return 3
}

// Agent is a person who answers customers.
type Agent struct {
	ID        string   `json:"id" dynamodbav:"agentId"`
	Name      string   `json:"name" dynamodbav:"name"`
	Email     string   `json:"email,omitempty" dynamodbav:"email,omitempty"`
	Languages []string `json:"languages,omitempty" dynamodbav:"languages,omitempty"`
	// Teams are the queues the agent serves: routing matches a conversation's team against them.
	Teams []string `json:"teams,omitempty" dynamodbav:"teams,omitempty"`
	// Skills are free labels (products, "refunds") for supervisors; routing does not read them.
	Skills         []string  `json:"skills,omitempty" dynamodbav:"skills,omitempty"`
	MaxConcurrent  int       `json:"maxConcurrent" dynamodbav:"maxConcurrent"`
	Status         string    `json:"status" dynamodbav:"status"` // available, away, offline; inactive once deactivated
	Load           int       `json:"load" dynamodbav:"load"`
	LastAssignedAt time.Time `json:"lastAssignedAt,omitzero" dynamodbav:"lastAssignedAt,omitempty"`
	LastSeenAt     time.Time `json:"lastSeenAt,omitzero" dynamodbav:"lastSeenAt,omitempty"`
	Supervisor     bool      `json:"supervisor,omitempty" dynamodbav:"supervisor,omitempty"`
	DeactivatedAt  time.Time `json:"deactivatedAt,omitzero" dynamodbav:"deactivatedAt,omitempty"`
	UpdatedAt      time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	// Version counts configuration edits (PATCH /agents/{id} under If-Match); status, load and last
	// seen do not bump it, so a supervisor is refused only when another edit happened.
	Version int64 `json:"version" dynamodbav:"version"`

	// Phone calls (issue 18). Phone (E.164) and ClientIdentity (a Twilio
	// Client identity) are where the agent's calls ring; Voice says the
	// agent takes calls at all, VoiceAvailable that they take them now
	// (PUT /agents/me/status). OnCall is the call holding one of the
	// agent's slots while it lasts; ConnectUserID is their Amazon Connect
	// user, the preferred agent a contact flow routes to.
	Phone          string `json:"phone,omitempty" dynamodbav:"phone,omitempty"`
	ClientIdentity string `json:"clientIdentity,omitempty" dynamodbav:"clientIdentity,omitempty"`
	Voice          bool   `json:"voice,omitempty" dynamodbav:"voice,omitempty"`
	VoiceAvailable bool   `json:"voiceAvailable,omitempty" dynamodbav:"voiceAvailable,omitempty"`
	OnCall         string `json:"onCall,omitempty" dynamodbav:"onCall,omitempty"`
	ConnectUserID  string `json:"connectUserId,omitempty" dynamodbav:"connectUserId,omitempty"`
}

// Callable says whether the agent's phone can ring now: available for
// calls, reachable (a phone or a client identity) and not on a call.
func (a Agent) Callable() bool {
	return a.Status == AgentAvailable && a.Voice && a.VoiceAvailable && a.OnCall == "" && (a.Phone != "" || a.ClientIdentity != "")
}

// Agent statuses.
const (
	AgentAvailable = "available"
	AgentAway      = "away"
	AgentOffline   = "offline"
	// AgentInactive is a deactivated agent: out of routing, refused on every staff route, history kept.
	AgentInactive = "inactive"
)
