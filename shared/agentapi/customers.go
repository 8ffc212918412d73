package agentapi

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// identityParams are the query parameters of GET /customers that name an
// identity, with the kind each is normalized as (as on ingest).
var identityParams = map[string]domain.IdentityKind{
	"phone": domain.KindPhone, "email": domain.KindEmail, "zalo": domain.KindZalo,
	"telegram": domain.KindTelegram, "messenger": domain.KindMessenger, "webchat": domain.KindWebchat,
}

func (a *API) findCustomers(ctx context.Context, c *call) (reply, error) {
	q, err := query(c, "phone", "email", "zalo", "telegram", "messenger", "webchat", "q", "limit")
	if err != nil {
		return reply{}, err
	}
	var named []string
	for k := range q {
		if k != "limit" {
			named = append(named, k)
		}
	}
	if len(named) != 1 {
		return reply{}, domain.Errorf(domain.CodeInvalid, "give exactly one of phone, email, zalo, telegram, messenger, webchat or q")
	}
	found := []customerView{}
	if named[0] == "q" {
		limit, err := limitParam(q, 20, 100)
		if err != nil {
			return reply{}, err
		}
		list, err := a.Store.SearchByName(ctx, q["q"], limit)
		if err != nil {
			return reply{}, err
		}
		for _, cu := range list {
			found = append(found, customerView{Customer: cu})
		}
		return ok(map[string]any{"customers": found}), nil
	}
	if _, has := q["limit"]; has {
		return reply{}, domain.Errorf(domain.CodeInvalid, "limit applies to a name search only")
	}
	id, err := a.Normalizer.Normalize(identityParams[named[0]], q[named[0]])
	if err != nil {
		return reply{}, err
	}
	cu, err := a.Store.FindByIdentity(ctx, id)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
	case err != nil:
		return reply{}, err
	default:
		found = append(found, customerView{Customer: cu})
	}
	return ok(map[string]any{"customers": found}), nil
}

// customerView is a profile as staff read it.
type customerView struct {
	domain.Customer
}

// customerContext is what an agent reads before answering.
type customerContext struct {
	domain.Customer
	OpenConversation   *domain.Conversation `json:"openConversation,omitempty"`
	RecentTouchpoints  []domain.Touchpoint  `json:"recentTouchpoints"`
	UrgencyTrend       *urgencyTrend        `json:"urgencyTrend,omitempty"`
	PossibleDuplicates []duplicateView      `json:"possibleDuplicates"`
}

// duplicateView is an open suggestion as a customer's page shows it: the
// other customer, why they may be one person, since when.
type duplicateView struct {
	ID           string    `json:"id"` // the other customer
	DisplayName  string    `json:"displayName,omitempty"`
	SuggestionID string    `json:"suggestionId,omitempty"`
	Reasons      []string  `json:"reasons"`
	FirstSeen    time.Time `json:"firstSeen,omitzero"`
}

// urgencyTrend scores the customer's recent inbound messages, oldest first,
// so an agent sees a customer getting angrier before reading a word.
type urgencyTrend struct {
	Points    []trendPoint `json:"points"`
	Direction string       `json:"direction"` // rising, falling, steady
}

type trendPoint struct {
	At       time.Time       `json:"at"`
	Score    int             `json:"score"`
	Priority domain.Priority `json:"priority"`
}

// partnerView is all a partner (a distributor serving the same customer)
// sees: who the customer is and how to recognize them, never notes,
// history, conversations, satisfaction or another partner's tags. Phone
// and email are masked: enough to confirm "the number ending 678", not to
// harvest contacts.
type partnerView struct {
	ID            string            `json:"id"`
	DisplayName   string            `json:"displayName,omitempty"`
	Language      string            `json:"language,omitempty"`
	Tier          string            `json:"tier,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
	Identities    []domain.Identity `json:"identities,omitempty"`
	LastContactAt time.Time         `json:"lastContactAt,omitzero"`
	LastChannel   domain.Channel    `json:"lastChannel,omitempty"`
	// Purchases are those made through this partner (channel distributor,
	// partnerId theirs), newest first; ActiveConversations how her open requests
	// stand (status only: no text, no notes, no assignee).
	Purchases         []partnerPurchase     `json:"purchases"`
	OpenConversations []partnerConversation `json:"activeConversations"`
}

type partnerPurchase struct {
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	OccurredAt time.Time         `json:"occurredAt"`
	Order      map[string]string `json:"order,omitempty"`
}

type partnerConversation struct {
	ID            string                    `json:"id"`
	Status        domain.ConversationStatus `json:"status"`
	Priority      domain.Priority           `json:"priority"`
	OpenedAt      time.Time                 `json:"openedAt"`
	LastMessageAt time.Time                 `json:"lastMessageAt,omitzero"`
}

// PartnerStore reads what a partner's view adds (*store.Store).
type PartnerStore interface {
	TouchpointsOfKind(ctx context.Context, customerID string, kinds ...domain.TouchpointKind) ([]domain.Touchpoint, error)
}

// partnerOrderFields are the purchase metadata a partner sees: the order,
// not who recorded it or how.
var partnerOrderFields = []string{"orderId", "amount", "currency", "channel", "partnerId", "status"}

const partnerTagPrefix = "partner:"

func (a *API) getCustomer(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	cu, err := a.Store.GetCustomer(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if c.who.partner() {
		return a.partnerCustomer(ctx, c, cu)
	}
	view := customerContext{Customer: cu, RecentTouchpoints: []domain.Touchpoint{}, PossibleDuplicates: []duplicateView{}}
	// The profile names what else to read; those reads are independent.
	var wg sync.WaitGroup
	var tlErr, dupErr, convErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		page, err := a.Store.Timeline(ctx, cu.ID, 10, "")
		tlErr = err
		if err == nil {
			view.RecentTouchpoints = page.Items
			view.UrgencyTrend = a.trend(cu, page.Items)
		}
	}()
	go func() {
		defer wg.Done()
		notes, err := a.Store.DuplicateNotes(ctx, cu.ID)
		if err != nil {
			dupErr = err
			return
		}
		for _, n := range notes {
			d := n.OtherCustomerID
			dv := duplicateView{ID: d, SuggestionID: n.SuggestionID, Reasons: n.Reasons, FirstSeen: n.FirstSeen}
			if dv.Reasons == nil {
				dv.Reasons = []string{}
			}
			if other, err := a.Store.GetCustomer(ctx, d); err == nil {
				if other.ID == cu.ID {
					continue // merged since it was noted
				}
				dv.ID, dv.DisplayName = other.ID, other.DisplayName
			}
			view.PossibleDuplicates = append(view.PossibleDuplicates, dv)
		}
	}()
	if cu.OpenConversationID != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv, err := a.Store.GetConversation(ctx, cu.OpenConversationID)
			if err == nil {
				view.OpenConversation = &conv
			} else if domain.ErrorCode(err) != domain.CodeNotFound {
				convErr = err
			}
		}()
	}
	wg.Wait()
	for _, err := range []error{tlErr, dupErr, convErr} {
		if err != nil {
			return reply{}, err
		}
	}
	r := ok(view)
	r.headers = map[string]string{"etag": etag(cu.Version)}
	return r, nil
}

func (a *API) partnerCustomer(ctx context.Context, c *call, cu domain.Customer) (reply, error) {
	own := partnerTagPrefix + c.who.PartnerID
	if !slices.Contains(cu.Tags, own) {
		// Not found rather than forbidden: a partner must not learn which
		// ids exist among other partners' customers.
		return reply{}, domain.Errorf(domain.CodeNotFound, "customer %s not found", cu.ID)
	}
	v := partnerView{ID: cu.ID, DisplayName: cu.DisplayName, Language: cu.Language, Tier: cu.Tier,
		LastContactAt: cu.LastContactAt, LastChannel: cu.LastChannel}
	for _, t := range cu.Tags {
		if !strings.HasPrefix(t, partnerTagPrefix) || t == own {
			v.Tags = append(v.Tags, t)
		}
	}
	for _, id := range cu.Identities {
		if id.Kind == domain.KindPhone || id.Kind == domain.KindEmail {
			v.Identities = append(v.Identities, domain.Identity{Kind: id.Kind, Value: id.MaskedValue()})
		}
	}
	v.Purchases, v.OpenConversations = []partnerPurchase{}, []partnerConversation{}
	if ps, ok := a.Store.(PartnerStore); ok {
		tps, err := ps.TouchpointsOfKind(ctx, cu.ID, domain.KindPurchase, domain.KindRefund)
		if err != nil {
			return reply{}, err
		}
		for _, tp := range tps {
			if tp.Metadata["channel"] != "distributor" || tp.Metadata["partnerId"] != c.who.PartnerID {
				continue
			}
			p := partnerPurchase{ID: tp.ID, Kind: string(tp.Kind), OccurredAt: tp.OccurredAt, Order: map[string]string{}}
			for _, f := range partnerOrderFields {
				if val, ok := tp.Metadata[f]; ok {
					p.Order[f] = val
				}
			}
			v.Purchases = append(v.Purchases, p)
		}
	}
	if cu.OpenConversationID != "" {
		conv, err := a.Store.GetConversation(ctx, cu.OpenConversationID)
		switch {
		case err == nil && !conv.Closed():
			v.OpenConversations = append(v.OpenConversations, partnerConversation{ID: conv.ID, Status: conv.Status,
				Priority: conv.Priority, OpenedAt: conv.OpenedAt, LastMessageAt: conv.LastMessageAt})
		case err != nil && domain.ErrorCode(err) != domain.CodeNotFound:
			return reply{}, err
		}
	}
	return ok(v), nil
}

func (a *API) trend(cu domain.Customer, recent []domain.Touchpoint) *urgencyTrend {
	if a.Scorer == nil {
		return nil
	}
	t := &urgencyTrend{Points: []trendPoint{}, Direction: "steady"}
	for i := len(recent) - 1; i >= 0; i-- {
		tp := recent[i]
		if tp.Direction != domain.DirectionIn || tp.Kind == domain.KindStatus || tp.Kind == domain.KindFeedback {
			continue
		}
		r := a.Scorer.Score(urgency.Signals{Text: tp.Text, Subject: tp.Subject, Kind: tp.Kind, KnownCustomer: true, Tier: cu.Tier, Now: tp.OccurredAt})
		t.Points = append(t.Points, trendPoint{At: tp.OccurredAt, Score: r.Score, Priority: r.Priority})
	}
	if n := len(t.Points); n >= 2 {
		switch d := t.Points[n-1].Score - t.Points[0].Score; {
		case d > 0:
			t.Direction = "rising"
		case d < 0:
			t.Direction = "falling"
		}
	}
	return t
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the profile version from If-Match ("3", W/"3" or 3). A
// missing header is 400: an edit without a version would silently
// overwrite another agent's edit.
func ifMatch(c *call) (int64, error) {
	raw := strings.TrimSpace(header(c, "If-Match"))
	if raw == "" {
		return 0, domain.Errorf(domain.CodeInvalid, "If-Match with the profile's version (its ETag) is required")
	}
	raw = strings.Trim(strings.TrimPrefix(raw, "W/"), `"`)
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < 1 {
		return 0, domain.Errorf(domain.CodeInvalid, "If-Match must be the profile's version, e.g. \"3\"")
	}
	return v, nil
}

type profilePatch struct {
	DisplayName *string            `json:"displayName"`
	Language    *string            `json:"language"`
	Preferences *map[string]string `json:"preferences"`
	Tags        *[]string          `json:"tags"`
	Tier        *string            `json:"tier"`
	TierPinned  *bool              `json:"tierPinned"`
}

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func (a *API) patchCustomer(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	version, err := ifMatch(c)
	if err != nil {
		return reply{}, err
	}
	var p profilePatch
	if err := decode(c, &p); err != nil {
		return reply{}, err
	}
	patch := store.ProfilePatch{DisplayName: p.DisplayName, Language: p.Language, Preferences: p.Preferences, Tags: p.Tags, Tier: p.Tier, TierPinned: p.TierPinned}
	if p.DisplayName != nil {
		n := strings.TrimSpace(*p.DisplayName)
		if len([]rune(n)) > 200 {
			return reply{}, domain.Errorf(domain.CodeInvalid, "displayName is longer than 200 characters")
		}
		patch.DisplayName = &n
	}
	if p.Language != nil && *p.Language != "" && !languageTag.MatchString(*p.Language) {
		return reply{}, domain.Errorf(domain.CodeInvalid, "language must be a language tag such as vi or en")
	}
	if p.Preferences != nil {
		if len(*p.Preferences) > 32 {
			return reply{}, domain.Errorf(domain.CodeInvalid, "at most 32 preferences")
		}
		for k, v := range *p.Preferences {
			if k == "" || len(k) > 64 || len(v) > 256 {
				return reply{}, domain.Errorf(domain.CodeInvalid, "preference names are 1-64 bytes and values at most 256")
			}
		}
	}
	if (p.Tier != nil || p.TierPinned != nil) && !c.who.supervisor() {
		return reply{}, domain.Errorf(domain.CodeForbidden, "only a supervisor may change or pin the tier")
	}
	if p.Tier != nil && *p.Tier != "" && !loyalty.ValidTier(*p.Tier) {
		return reply{}, domain.Errorf(domain.CodeInvalid, "tier must be vip, valued or standard")
	}
	if p.Tags != nil {
		tags, err := a.checkTags(ctx, c, id, *p.Tags)
		if err != nil {
			return reply{}, err
		}
		patch.Tags = &tags
	}
	cu, err := a.Store.UpdateProfile(ctx, id, version, patch)
	if err != nil {
		return reply{}, err
	}
	r := ok(customerView{Customer: cu})
	r.headers = map[string]string{"etag": etag(cu.Version)}
	return r, nil
}

// checkTags validates tags. partner:<id> tags grant a partner access to the
// customer, so only a supervisor may add or remove them.
func (a *API) checkTags(ctx context.Context, c *call, id string, tags []string) ([]string, error) {
	if len(tags) > 50 {
		return nil, domain.Errorf(domain.CodeInvalid, "at most 50 tags")
	}
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > 64 {
			return nil, domain.Errorf(domain.CodeInvalid, "tags are 1-64 bytes")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if c.who.supervisor() {
		return out, nil
	}
	cur, err := a.Store.GetCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	partnerTags := func(list []string) []string {
		var p []string
		for _, t := range list {
			if strings.HasPrefix(t, partnerTagPrefix) {
				p = append(p, t)
			}
		}
		slices.Sort(p)
		return p
	}
	if !slices.Equal(partnerTags(cur.Tags), partnerTags(out)) {
		return nil, domain.Errorf(domain.CodeForbidden, "only a supervisor may change partner: tags")
	}
	return out, nil
}

func (a *API) timeline(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	q, err := query(c, "limit", "cursor")
	if err != nil {
		return reply{}, err
	}
	limit, err := limitParam(q, 25, 100)
	if err != nil {
		return reply{}, err
	}
	page, err := a.Store.Timeline(ctx, id, limit, q["cursor"])
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"items": page.Items, "next": page.Next}), nil
}

func (a *API) merge(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	var body struct {
		SourceID string `json:"sourceId"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	if !domain.ValidID(domain.CustomerIDPrefix, body.SourceID) {
		return reply{}, domain.Errorf(domain.CodeInvalid, "sourceId must be a customer id")
	}
	if body.SourceID == id {
		return reply{}, domain.Errorf(domain.CodeInvalid, "a customer cannot be merged into itself")
	}
	m, err := a.Store.Merge(ctx, id, body.SourceID)
	if err != nil {
		return reply{}, err
	}
	// When both had an open conversation the source's is closed into the
	// target's and its agent's slot freed: waiting work may take it (a
	// follow-up no longer re-offers a waiting conversation).
	if m.FreedAgent != "" {
		a.pullInto(ctx, m.FreedAgent, "merge")
	}
	return ok(customerView{Customer: m.Customer}), nil
}
