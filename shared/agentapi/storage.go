package agentapi

import (
	"context"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

// Storage is what the API reads and writes: the store in production, an
// in-memory implementation in the fast tests. Changes are named intents
// (EditConversation, ResolveConversation, …); none is a raw table write.
type Storage interface {
	Now() time.Time
	Conversations
	Timelines
	Customers
	Identities
	Agents
	TeamStore
	Reports
	feedback.Scores
	feedback.Outbox
}

// Conversations reads work queues and changes conversations.
type Conversations interface {
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	Queue(ctx context.Context, team string, limit int, cursor string) (store.ConversationPage, error)
	AssignedTo(ctx context.Context, agentID string, limit int, cursor string) (store.ConversationPage, error)
	// EditConversation applies edit with retries on a lost race; agents'
	// slots follow the assignee edit sets. edit may return store.ErrNoChange.
	EditConversation(ctx context.Context, id string, edit func(*domain.Conversation) error) (domain.Conversation, error)
	// ResolveConversation resolves with its metric record, feedback request
	// and owed effects in one transaction.
	ResolveConversation(ctx context.Context, id string, r store.ResolveInput) (store.Resolved, error)
}

// Timelines reads and writes a customer's touchpoints.
type Timelines interface {
	Timeline(ctx context.Context, customerID string, limit int, cursor string) (store.Page, error)
	RecordOutbound(ctx context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error)
	IndexMessageIDs(ctx context.Context, conversationID, customerID string, messageIDs ...string) error
}

// Customers reads and edits profiles.
type Customers interface {
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
	UpdateProfile(ctx context.Context, id string, version int64, p store.ProfilePatch) (domain.Customer, error)
	FindByIdentity(ctx context.Context, id domain.Identity) (domain.Customer, error)
	SearchByName(ctx context.Context, query string, limit int) ([]domain.Customer, error)
}

// Identities links and unlinks identities and merges customers.
type Identities interface {
	AddIdentity(ctx context.Context, customerID string, id domain.Identity) (domain.Customer, error)
	RemoveIdentity(ctx context.Context, customerID string, id domain.Identity, agentID string) (domain.Customer, domain.Touchpoint, error)
	Merge(ctx context.Context, targetID, sourceID string) (store.MergeResult, error)
	DuplicateNotes(ctx context.Context, id string) ([]store.DuplicateNote, error)
	OpenSuggestions(ctx context.Context, limit int, cursor string) ([]store.Suggestion, string, error)
	CloseSuggestion(ctx context.Context, id, status, by string) (store.Suggestion, error)
}

// Agents reads and changes agents.
type Agents interface {
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
	EnsureAgent(ctx context.Context, a domain.Agent) (domain.Agent, bool, error)
	CreateAgent(ctx context.Context, a domain.Agent) (domain.Agent, error)
	ListAgents(ctx context.Context) ([]domain.Agent, error)
	SetAgentStatus(ctx context.Context, id, status string) (domain.Agent, error)
	TouchAgent(ctx context.Context, id string) error
	UpdateAgent(ctx context.Context, id string, version int64, p store.AgentPatch) (domain.Agent, error)
	DeactivateAgent(ctx context.Context, id string) (domain.Agent, []domain.Conversation, error)
}

// TeamStore keeps teams and their SLA policies.
type TeamStore interface {
	teams.Source
	PutTeam(ctx context.Context, t teams.Team, version int64) (teams.Team, error)
}

// Reports reads the supervisors' metrics.
type Reports interface {
	MetricsRange(ctx context.Context, from, to time.Time) ([]store.ConversationMetric, []store.FeedbackMetric, error)
}

// Router assigns waiting work (routing.Router in production).
type Router interface {
	Pull(ctx context.Context, agentID string) ([]domain.Conversation, error)
	AssignBest(ctx context.Context, conv domain.Conversation, language string) (domain.Conversation, error)
}
