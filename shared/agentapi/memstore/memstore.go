// Package memstore keeps the agent API's storage (agentapi.Storage) in
// memory, for the fast tests: handlers run against it without an emulator.
// It keeps the store's contract where the handlers rely on it (versions,
// agents' capacity, a resolve's writes and owed effects, single-use
// feedback tokens, error codes); merging customers, linking identities and
// duplicate suggestions are not kept (they answer CodeUnavailable): the
// emulator tests cover those against the real store.
package memstore

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

// Store is an in-memory agentapi.Storage. The zero value is not usable: call New.
type Store struct {
	now func() time.Time

	mu          sync.Mutex
	convs       map[string]domain.Conversation
	customers   map[string]domain.Customer
	touchpoints map[string][]domain.Touchpoint // by customer
	agents      map[string]domain.Agent
	teams       map[string]teams.Team
	requests    map[string]store.FeedbackRequest // by token
	pending     map[string]string                // customer → latest token
	convMetrics map[string]store.ConversationMetric
	scores      []store.FeedbackMetric
	owed        map[string]owedItem
	threads     map[string]string // email Message-ID → conversation
}

type owedItem struct {
	e            store.OwedEffect
	claimedUntil time.Time
}

// New returns an empty store on the clock now (time.Now when nil).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, convs: map[string]domain.Conversation{}, customers: map[string]domain.Customer{},
		touchpoints: map[string][]domain.Touchpoint{}, agents: map[string]domain.Agent{}, teams: map[string]teams.Team{},
		requests: map[string]store.FeedbackRequest{}, pending: map[string]string{}, convMetrics: map[string]store.ConversationMetric{},
		owed: map[string]owedItem{}, threads: map[string]string{}}
}

// Now is the store's clock, in UTC to the millisecond as the store's.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func newID(prefix string, t time.Time) string {
	return prefix + ulid.MustNew(ulid.Timestamp(t), rand.Reader).String()
}

func notFound(what, id string) error {
	return domain.Errorf(domain.CodeNotFound, "%s %s not found", what, id)
}

var errNotKept = domain.Errorf(domain.CodeUnavailable, "memstore: merges, identities and suggestions are not kept in memory")

// --- seeding (tests) ---

// PutCustomer stores c as is (an id is made when it has none).
func (s *Store) PutCustomer(c domain.Customer) domain.Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = newID(domain.CustomerIDPrefix, s.Now())
	}
	if c.Version == 0 {
		c.Version = 1
	}
	s.customers[c.ID] = c
	return c
}

// PutConversation stores c as is (an id is made when it has none).
func (s *Store) PutConversation(c domain.Conversation) domain.Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = newID(domain.ConversationIDPrefix, s.Now())
	}
	if c.Version == 0 {
		c.Version = 1
	}
	s.convs[c.ID] = c
	return c
}

// PutAgent stores a as is.
func (s *Store) PutAgent(a domain.Agent) domain.Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Version == 0 {
		a.Version = 1
	}
	s.agents[a.ID] = a
	return a
}

// Owed lists the owed effects, oldest first.
func (s *Store) Owed() []store.OwedEffect {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.OwedEffect
	for _, it := range s.owed {
		out = append(out, it.e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ConversationMetrics lists the metric records of resolved conversations.
func (s *Store) ConversationMetrics() []store.ConversationMetric {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.ConversationMetric
	for _, m := range s.convMetrics {
		out = append(out, m)
	}
	return out
}

// --- conversations ---

// GetConversation returns conversation id.
func (s *Store) GetConversation(_ context.Context, id string) (domain.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return c, notFound("conversation", id)
	}
	return c, nil
}

func page(all []domain.Conversation, limit int, cursor string) (store.ConversationPage, error) {
	off := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return store.ConversationPage{}, domain.Errorf(domain.CodeInvalid, "malformed cursor")
		}
		off = n
	}
	if off > len(all) {
		off = len(all)
	}
	p := store.ConversationPage{Items: all[off:]}
	if len(p.Items) > limit {
		p.Items, p.Next = p.Items[:limit], strconv.Itoa(off+limit)
	}
	return p, nil
}

func due(c domain.Conversation) time.Time {
	if !c.SLA.DueAt.IsZero() {
		return c.SLA.DueAt
	}
	return c.OpenedAt
}

// Queue lists a team's unassigned open conversations, urgent first then by due time.
func (s *Store) Queue(_ context.Context, team string, limit int, cursor string) (store.ConversationPage, error) {
	s.mu.Lock()
	var all []domain.Conversation
	for _, c := range s.convs {
		if !c.Closed() && c.AssigneeID == "" && c.Team == team {
			all = append(all, c)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(x, y domain.Conversation) int {
		if rx, ry := domain.PriorityRank(x.Priority), domain.PriorityRank(y.Priority); rx != ry {
			return rx - ry
		}
		if d := due(x).Compare(due(y)); d != 0 {
			return d
		}
		return strings.Compare(x.ID, y.ID)
	})
	return page(all, limit, cursor)
}

// AssignedTo lists an agent's open conversations, oldest assignment first.
func (s *Store) AssignedTo(_ context.Context, agentID string, limit int, cursor string) (store.ConversationPage, error) {
	s.mu.Lock()
	var all []domain.Conversation
	for _, c := range s.convs {
		if !c.Closed() && c.AssigneeID == agentID {
			all = append(all, c)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(x, y domain.Conversation) int {
		if d := x.AssignedAt.Compare(y.AssignedAt); d != 0 {
			return d
		}
		return strings.Compare(x.ID, y.ID)
	})
	return page(all, limit, cursor)
}

// EditConversation applies edit; agents' slots follow the assignee, as the store's.
func (s *Store) EditConversation(_ context.Context, id string, edit func(*domain.Conversation) error) (domain.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return c, notFound("conversation", id)
	}
	next := c
	if err := edit(&next); errors.Is(err, store.ErrNoChange) {
		return c, nil
	} else if err != nil {
		return c, err
	}
	now := s.Now()
	agents := map[string]domain.Agent{}
	if next.AssigneeID != c.AssigneeID {
		if c.AssigneeID != "" {
			a, ok := s.agents[c.AssigneeID]
			if !ok || a.Load <= 0 {
				return c, domain.Errorf(domain.CodeConflict, "update conversation: a condition no longer holds")
			}
			a.Load--
			agents[a.ID] = a
		}
		if next.AssigneeID != "" {
			a, ok := s.agents[next.AssigneeID]
			if !ok || a.Status != domain.AgentAvailable || a.Load >= a.MaxConcurrent {
				return c, domain.Errorf(domain.CodeConflict, "agent %s is not available or at capacity", next.AssigneeID)
			}
			a.Load++
			a.LastAssignedAt = now
			agents[a.ID] = a
			next.AssignedAt = now
		}
	}
	for id, a := range agents {
		s.agents[id] = a
	}
	next.Version, next.UpdatedAt = c.Version+1, now
	s.convs[id] = next
	return next, nil
}

// ResolveConversation resolves with everything r asks for, at once, as the store's.
func (s *Store) ResolveConversation(_ context.Context, id string, r store.ResolveInput) (store.Resolved, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return store.Resolved{}, notFound("conversation", id)
	}
	if c.Closed() {
		return store.Resolved{}, domain.Errorf(domain.CodeConflict, "conversation %s is resolved", id)
	}
	if r.Check != nil {
		if err := r.Check(c); err != nil {
			return store.Resolved{}, err
		}
	}
	cu, err := s.customer(c.CustomerID)
	if err != nil {
		return store.Resolved{}, err
	}
	now := s.Now()
	raced := domain.Errorf(domain.CodeConflict, "conversation %s changed while resolving; try again", id)
	if c.AssigneeID != "" {
		a, ok := s.agents[c.AssigneeID]
		if !ok || a.Load <= 0 {
			return store.Resolved{}, raced
		}
		a.Load--
		s.agents[a.ID] = a
	}
	if cu.OpenConversationID == c.ID {
		cu.OpenConversationID = ""
		s.customers[cu.ID] = cu
	}
	c.Status, c.ResolvedAt, c.Version, c.UpdatedAt = domain.ConversationResolved, now, c.Version+1, now
	s.convs[id] = c
	s.convMetrics[c.ID] = store.ConversationMetric{ConversationID: c.ID, Priority: c.Priority, Channel: c.LastChannel, Team: c.Team,
		OpenedAt: c.OpenedAt, FirstResponseAt: c.FirstResponseAt, ResolvedAt: now, Breached: len(c.SLA.Breaches) > 0 || !c.SLA.BreachedAt.IsZero()}
	if r.FeedbackToken != "" {
		s.requests[r.FeedbackToken] = store.FeedbackRequest{Token: r.FeedbackToken, CustomerID: cu.ID, ConversationID: c.ID,
			Channel: c.LastChannel, Priority: c.Priority, CreatedAt: now, ExpiresAt: now.Add(r.FeedbackTTL)}
		s.pending[cu.ID] = r.FeedbackToken
	}
	res := store.Resolved{Conversation: c}
	for _, e := range r.Owed {
		e.OwedAt, e.Key = now, now.Format("2006-01-02T15:04:05.000Z")+"#"+e.ConversationID+"#"+e.Kind+"#"+e.Event
		s.owed[e.Key] = owedItem{e: e}
		res.Owed = append(res.Owed, e)
	}
	return res, nil
}

// --- owed effects ---

// ClaimOwed holds owed effect key for d, as the store's.
func (s *Store) ClaimOwed(_ context.Context, key string, d time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.owed[key]
	if !ok {
		return false, nil
	}
	now := s.Now()
	if it.claimedUntil.After(now) {
		return false, store.ErrOwedBusy
	}
	it.claimedUntil = now.Add(d)
	s.owed[key] = it
	return true, nil
}

// SettleOwed removes owed effect key; false when it was gone.
func (s *Store) SettleOwed(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.owed[key]
	delete(s.owed, key)
	return ok, nil
}

// --- timelines ---

// Timeline returns a customer's touchpoints newest first.
func (s *Store) Timeline(_ context.Context, customerID string, limit int, cursor string) (store.Page, error) {
	s.mu.Lock()
	all := slices.Clone(s.touchpoints[customerID])
	s.mu.Unlock()
	slices.SortFunc(all, func(x, y domain.Touchpoint) int {
		if d := y.OccurredAt.Compare(x.OccurredAt); d != 0 {
			return d
		}
		return strings.Compare(y.ID, x.ID)
	})
	if limit <= 0 {
		limit = 25
	}
	off := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(all) {
			return store.Page{}, domain.Errorf(domain.CodeInvalid, "malformed cursor")
		}
		off = n
	}
	p := store.Page{Items: all[off:]}
	if len(p.Items) > limit {
		p.Items, p.Next = p.Items[:limit], strconv.Itoa(off+limit)
	}
	return p, nil
}

// GetTouchpoint returns one of a customer's touchpoints.
func (s *Store) GetTouchpoint(_ context.Context, customerID, id string) (domain.Touchpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tp := range s.touchpoints[customerID] {
		if tp.ID == id {
			return tp, nil
		}
	}
	return domain.Touchpoint{}, notFound("touchpoint", id)
}

// RecordOutbound stores tp; one with a known id or provider message id is a duplicate.
func (s *Store) RecordOutbound(_ context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, tp.CustomerID) {
		return tp, false, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	if tp.Channel == "" || tp.Kind == "" {
		return tp, false, domain.Errorf(domain.CodeInvalid, "a touchpoint needs a channel and a kind")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tp.Direction == "" {
		tp.Direction = domain.DirectionOut
	}
	tp.ReceivedAt = s.Now()
	if tp.OccurredAt.IsZero() {
		tp.OccurredAt = tp.ReceivedAt
	}
	if tp.ID == "" {
		tp.ID = newID(domain.TouchpointIDPrefix, tp.OccurredAt)
	}
	for _, have := range s.touchpoints[tp.CustomerID] {
		if have.ID == tp.ID || tp.ProviderMessageID != "" && have.Provider == tp.Provider && have.ProviderMessageID == tp.ProviderMessageID {
			return have, true, nil
		}
	}
	s.touchpoints[tp.CustomerID] = append(s.touchpoints[tp.CustomerID], tp)
	return tp, false, nil
}

// AddTouchpoint stores an inbound touchpoint as ingest would (tests).
func (s *Store) AddTouchpoint(tp domain.Touchpoint) domain.Touchpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tp.ID == "" {
		tp.ID = newID(domain.TouchpointIDPrefix, tp.OccurredAt)
	}
	s.touchpoints[tp.CustomerID] = append(s.touchpoints[tp.CustomerID], tp)
	return tp
}

// IndexMessageIDs remembers which conversation an email belongs to.
func (s *Store) IndexMessageIDs(_ context.Context, conversationID, _ string, messageIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range messageIDs {
		s.threads[id] = conversationID
	}
	return nil
}

// --- customers ---

func (s *Store) customer(id string) (domain.Customer, error) {
	for range 8 { // follow merges
		c, ok := s.customers[id]
		if !ok {
			return c, notFound("customer", id)
		}
		if c.MergedInto == "" {
			if c.SatisfactionCount > 0 {
				c.SatisfactionAvg = float64(c.SatisfactionSum) / float64(c.SatisfactionCount)
			}
			return c, nil
		}
		id = c.MergedInto
	}
	return domain.Customer{}, domain.Errorf(domain.CodeInternal, "merge chain too long")
}

// GetCustomer returns a customer, following merges.
func (s *Store) GetCustomer(_ context.Context, id string) (domain.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.customer(id)
}

// UpdateProfile applies p if the profile is still at version.
func (s *Store) UpdateProfile(_ context.Context, id string, version int64, p store.ProfilePatch) (domain.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.customer(id)
	if err != nil {
		return c, err
	}
	if c.Version != version {
		return c, domain.Errorf(domain.CodeStale, "customer %s is at version %d, not %d", id, c.Version, version)
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.DisplayName, p.DisplayName)
	set(&c.Language, p.Language)
	set(&c.Tier, p.Tier)
	if p.TierPinned != nil {
		c.TierPinned = *p.TierPinned
	}
	set(&c.Notes, p.Notes)
	if p.Tags != nil {
		c.Tags = *p.Tags
	}
	if p.Preferences != nil {
		c.Preferences = *p.Preferences
	}
	c.Version++
	c.UpdatedAt = s.Now()
	s.customers[c.ID] = c
	return c, nil
}

// FindByIdentity returns the customer holding id.
func (s *Store) FindByIdentity(_ context.Context, id domain.Identity) (domain.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.customers {
		if c.MergedInto == "" && slices.Contains(c.Identities, id) {
			return s.customer(c.ID)
		}
	}
	return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "no customer with that %s", id.Kind)
}

// SearchByName lists customers whose name contains query, case-insensitively.
func (s *Store) SearchByName(_ context.Context, query string, limit int) ([]domain.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := strings.ToLower(strings.TrimSpace(query))
	var out []domain.Customer
	for _, c := range s.customers {
		if c.MergedInto == "" && q != "" && strings.Contains(strings.ToLower(c.DisplayName), q) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y domain.Customer) int { return strings.Compare(x.ID, y.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// AddIdentity is not kept in memory.
func (s *Store) AddIdentity(context.Context, string, domain.Identity) (domain.Customer, error) {
	return domain.Customer{}, errNotKept
}

// RemoveIdentity is not kept in memory.
func (s *Store) RemoveIdentity(context.Context, string, domain.Identity, string) (domain.Customer, domain.Touchpoint, error) {
	return domain.Customer{}, domain.Touchpoint{}, errNotKept
}

// Merge is not kept in memory.
func (s *Store) Merge(context.Context, string, string) (store.MergeResult, error) {
	return store.MergeResult{}, errNotKept
}

// DuplicateNotes: no suggestions are kept, so there are none.
func (s *Store) DuplicateNotes(context.Context, string) ([]store.DuplicateNote, error) {
	return nil, nil
}

// OpenSuggestions: none are kept.
func (s *Store) OpenSuggestions(context.Context, int, string) ([]store.Suggestion, string, error) {
	return nil, "", nil
}

// CloseSuggestion: none are kept.
func (s *Store) CloseSuggestion(_ context.Context, id, _, _ string) (store.Suggestion, error) {
	return store.Suggestion{}, notFound("suggestion", id)
}
