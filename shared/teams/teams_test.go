package teams_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/teams"
)

// memSource is an in-memory teams.Source that counts reads.
type memSource struct {
	mu    sync.Mutex
	items map[string]teams.Team
	reads int
}

func (m *memSource) GetTeam(_ context.Context, id string) (teams.Team, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	t, ok := m.items[id]
	if !ok {
		return t, domain.Errorf(domain.CodeNotFound, "team %s not found", id)
	}
	return t, nil
}

func (m *memSource) ListTeams(context.Context) ([]teams.Team, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []teams.Team
	for _, t := range m.items {
		out = append(out, t)
	}
	return out, nil
}

func (m *memSource) CreateTeam(_ context.Context, t teams.Team) (teams.Team, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[t.ID]; ok {
		return t, domain.Errorf(domain.CodeConflict, "exists")
	}
	t.Version = 1
	m.items[t.ID] = t
	return t, nil
}

func urgentIn(t *testing.T, p sla.Policy) time.Duration {
	t.Helper()
	d, err := p.Target(domain.PriorityUrgent, sla.FirstResponse)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTheEnvironmentSeedsOnlyTheDefaultTeam(t *testing.T) {
	ctx := context.Background()
	def, err := teams.FromEnv("support", `{"targets":{"urgent":{"firstResponse":"10m","nextResponse":"20m","resolution":"1h"},
		"high":{"firstResponse":"1h","nextResponse":"2h","resolution":"8h"},"normal":{"firstResponse":"4h","nextResponse":"8h","resolution":"24h"},
		"low":{"firstResponse":"24h","nextResponse":"48h","resolution":"72h"}}}`, []string{"vi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := teams.FromEnv("Support Team", "", nil); err == nil {
		t.Fatal("a bad DEFAULT_TEAM was accepted")
	}
	if _, err := teams.FromEnv("support", `{"warnAt":2}`, nil); err == nil {
		t.Fatal("a bad SLA_POLICY was accepted")
	}
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	src := &memSource{items: map[string]teams.Team{}}
	r := teams.NewResolver(src, def, teams.WithClock(func() time.Time { return now }))

	// No item: the default team is the environment's, and a team nobody set
	// up follows it; another id is unknown.
	if tm, err := r.Team(ctx, "support"); err != nil || !tm.Derived || urgentIn(t, tm.SLA) != 10*time.Minute {
		t.Fatalf("derived default: %+v, %v", tm, err)
	}
	if p, err := r.Policy(ctx, "escalations"); err != nil || urgentIn(t, p) != 10*time.Minute {
		t.Fatalf("unknown team's policy: %v", err)
	}
	if _, err := r.Team(ctx, "escalations"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown team: %v", err)
	}
	if ts, err := r.List(ctx); err != nil || len(ts) != 1 || ts[0].ID != "support" {
		t.Fatalf("list: %+v", ts)
	}

	// Seeding writes the item once; an item wins over the environment.
	seeded, err := r.SeedDefault(ctx)
	if err != nil || seeded.Derived || seeded.Version != 1 {
		t.Fatalf("seed: %+v, %v", seeded, err)
	}
	fast := sla.DefaultPolicy()
	fast.ByPriority[domain.PriorityUrgent] = sla.Targets{FirstResponse: 4 * time.Minute, NextResponse: 10 * time.Minute, Resolution: time.Hour}
	src.items["support"] = teams.Team{ID: "support", SLA: fast, Version: 2}
	if again, err := r.SeedDefault(ctx); err != nil || again.Version != 2 {
		t.Fatalf("seeding again replaced the team: %+v, %v", again, err)
	}

	// A container trusts what it read for the TTL, then reads again.
	if _, err := r.Policy(ctx, "support"); err != nil {
		t.Fatal(err)
	}
	reads := src.reads
	for range 5 {
		if p, err := r.Policy(ctx, "support"); err != nil || urgentIn(t, p) != 4*time.Minute {
			t.Fatal("cached policy is not the item's")
		}
	}
	if src.reads != reads {
		t.Fatalf("%d reads inside the TTL", src.reads-reads)
	}
	src.items["support"] = teams.Team{ID: "support", SLA: sla.DefaultPolicy(), Version: 3}
	now = now.Add(teams.DefaultTTL)
	if p, err := r.Policy(ctx, "support"); err != nil || urgentIn(t, p) != 15*time.Minute {
		t.Fatal("an edit did not reach the container after the TTL")
	}
}
