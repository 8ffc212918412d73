// Package teams holds a team's settings (name, languages, SLA targets and
// business-hours calendar) and the Resolver through which the router, the
// SLA sweeper, the agent API and the feedback follow-ups read a team's SLA
// policy, so every part computes the same due times. The environment
// (SLA_POLICY, DEFAULT_TEAM, DEFAULT_LANGUAGES) only seeds the default team.
package teams

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sla"
)

// Team is one queue of work and the promises made to its customers.
type Team struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Languages []string   `json:"languages,omitempty"`
	SLA       sla.Policy `json:"sla"`
	Version   int64      `json:"version"`
	UpdatedAt time.Time  `json:"updatedAt,omitzero"`
	// Derived marks the default team read from the environment because no item exists yet.
	Derived bool `json:"derived,omitempty"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidID reports whether id is a team id: 1-64 lower-case letters, digits, - and _.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// LanguageTag matches the language tags the product stores (vi, en, pt-BR).
var LanguageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// CheckLanguages validates a list of language tags.
func CheckLanguages(field string, langs []string) error {
	if len(langs) > 16 {
		return domain.Errorf(domain.CodeInvalid, "%s: at most 16 languages", field)
	}
	for _, l := range langs {
		if !LanguageTag.MatchString(l) {
			return domain.Errorf(domain.CodeInvalid, "%s: %q is not a language tag such as vi or en", field, l)
		}
	}
	return nil
}

// ParseLanguages reads a comma list ("vi,en") as DEFAULT_LANGUAGES holds it.
func ParseLanguages(raw string) ([]string, error) {
	var out []string
	for _, l := range strings.Split(raw, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if err := CheckLanguages("DEFAULT_LANGUAGES", out); err != nil {
		return nil, fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	return out, nil
}

// FromEnv is the default team as the environment describes it: its id
// (DEFAULT_TEAM), the SLA policy JSON (SLA_POLICY; empty is
// sla.DefaultPolicy) and its languages.
func FromEnv(id, policyJSON string, languages []string) (Team, error) {
	if !ValidID(id) {
		return Team{}, fmt.Errorf("DEFAULT_TEAM: %q is not a team id (lower-case letters, digits, - and _)", id)
	}
	p := sla.DefaultPolicy()
	if strings.TrimSpace(policyJSON) != "" {
		var err error
		if p, err = sla.ParsePolicy(strings.NewReader(policyJSON)); err != nil {
			return Team{}, err
		}
	}
	return Team{ID: id, Name: id, Languages: languages, SLA: p, Derived: true}, nil
}

// Source is where teams are stored (shared/store).
type Source interface {
	// GetTeam returns a stored team, or a CodeNotFound error.
	GetTeam(ctx context.Context, id string) (Team, error)
	ListTeams(ctx context.Context) ([]Team, error)
	// CreateTeam stores a new team, or returns a CodeConflict error if it exists.
	CreateTeam(ctx context.Context, t Team) (Team, error)
}

// DefaultTTL is how long a container trusts a team it read: an edit reaches
// every function within it.
const DefaultTTL = 30 * time.Second

// Resolver reads teams with a short per-container cache. Safe for
// concurrent use.
type Resolver struct {
	src Source
	def Team
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	team  Team
	found bool
	at    time.Time
}

// Option adjusts a Resolver.
type Option func(*Resolver)

// WithTTL sets how long a read team is trusted (0: not cached).
func WithTTL(d time.Duration) Option { return func(r *Resolver) { r.ttl = d } }

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(r *Resolver) { r.now = now } }

// NewResolver reads teams from src; def is the default team as FromEnv
// derives it, used while no item exists for it.
func NewResolver(src Source, def Team, opts ...Option) *Resolver {
	def.Derived = true
	r := &Resolver{src: src, def: def, ttl: DefaultTTL, now: time.Now, cache: map[string]entry{}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Static is a resolver with no storage: every team has policy p. For
// tests and tools that have no table.
func Static(p sla.Policy) *Resolver {
	return NewResolver(nil, Team{ID: "support", Name: "support", SLA: p})
}

// DefaultID is the default team's id.
func (r *Resolver) DefaultID() string { return r.def.ID }

// Team returns a team: its item, or for the default team without one, the
// environment's. Another id without an item is CodeNotFound.
func (r *Resolver) Team(ctx context.Context, id string) (Team, error) {
	t, found, err := r.lookup(ctx, id)
	if err != nil {
		return Team{}, err
	}
	if found {
		return t, nil
	}
	if id == r.def.ID {
		return r.def, nil
	}
	return Team{}, domain.Errorf(domain.CodeNotFound, "team %s not found", id)
}

// Policy is the SLA policy of a conversation's team. A team with no item
// (an empty id, or a routing category's team nobody has set up yet) follows
// the default team's policy, so no conversation is ever without a clock.
func (r *Resolver) Policy(ctx context.Context, id string) (sla.Policy, error) {
	if id != "" {
		t, found, err := r.lookup(ctx, id)
		if err != nil {
			return sla.Policy{}, err
		}
		if found {
			return t.SLA, nil
		}
	}
	t, err := r.Team(ctx, r.def.ID)
	if err != nil {
		return sla.Policy{}, err
	}
	return t.SLA, nil
}

// List returns every stored team, and the default team derived from the
// environment when it has no item.
func (r *Resolver) List(ctx context.Context) ([]Team, error) {
	if r.src == nil {
		return []Team{r.def}, nil
	}
	ts, err := r.src.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == r.def.ID {
			return ts, nil
		}
	}
	return append([]Team{r.def}, ts...), nil
}

// Forget drops a cached team (after this container changed it).
func (r *Resolver) Forget(id string) {
	r.mu.Lock()
	delete(r.cache, id)
	r.mu.Unlock()
}

// SeedDefault stores the default team as the environment describes it,
// unless an item exists already (which it then returns): the local stack
// calls it so the default team is an item from the start.
func (r *Resolver) SeedDefault(ctx context.Context) (Team, error) {
	if r.src == nil {
		return r.def, nil
	}
	t := r.def
	t.Derived = false
	saved, err := r.src.CreateTeam(ctx, t)
	r.Forget(t.ID)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return r.src.GetTeam(ctx, t.ID)
	}
	return saved, err
}

func (r *Resolver) lookup(ctx context.Context, id string) (Team, bool, error) {
	if r.src == nil {
		return Team{}, false, nil
	}
	now := r.now()
	r.mu.Lock()
	e, ok := r.cache[id]
	r.mu.Unlock()
	if ok && now.Sub(e.at) < r.ttl {
		return e.team, e.found, nil
	}
	t, err := r.src.GetTeam(ctx, id)
	found := err == nil
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		return Team{}, false, err
	}
	if r.ttl > 0 {
		r.mu.Lock()
		r.cache[id] = entry{team: t, found: found, at: now}
		r.mu.Unlock()
	}
	return t, found, nil
}
