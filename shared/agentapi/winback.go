package agentapi

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/winback"
)

// ValueStore is what the win-back routes need beyond Storage (*store.Store;
// the in-memory test storage has none, and the routes then answer 503).
type ValueStore interface {
	winback.Store
	WinbackList(ctx context.Context, now time.Time) ([]store.WinbackEntry, time.Time, bool, error)
	CustomersByID(ctx context.Context, ids []string) (map[string]domain.Customer, error)
	DismissWinback(ctx context.Context, customerID string, basis time.Time, by, reason string) error
	RecordWinbackOutreach(ctx context.Context, customerID string, basis time.Time, by, conversationID string) error
	ClaimWinbackOutreach(ctx context.Context, customerID string, basis time.Time, by string, staleAfter time.Time, force bool) error
	ReleaseWinbackOutreach(ctx context.Context, customerID string, basis time.Time) error
	OpenConversation(ctx context.Context, customerID string, ch domain.Channel) (domain.Conversation, bool, error)
}

func (a *API) valueStore() (ValueStore, error) {
	vs, ok := a.Store.(ValueStore)
	if !ok {
		return nil, domain.Errorf(domain.CodeUnavailable, "the win-back list is not available on this storage")
	}
	return vs, nil
}

func (a *API) winbackJob(vs ValueStore) *winback.Job {
	return &winback.Job{Store: vs, Config: winback.Config{SingleOrderDays: a.Config.WinbackSingleOrderDays}, Log: a.Log}
}

// winbackItem is one customer on GET /winback.
type winbackItem struct {
	CustomerID            string         `json:"customerId"`
	DisplayName           string         `json:"displayName,omitempty"`
	Tier                  string         `json:"tier,omitempty"`
	Reason                string         `json:"reason"`
	ValueAtRisk           int64          `json:"valueAtRisk"`
	DaysSinceLastPurchase *int           `json:"daysSinceLastPurchase,omitempty"`
	LastPurchaseAt        time.Time      `json:"lastPurchaseAt,omitzero"`
	LastSatisfaction      *scoreAt       `json:"lastSatisfaction,omitempty"`
	LastConversation      *conversationR `json:"lastConversation,omitempty"`
	Channel               domain.Channel `json:"channel,omitempty"`
	OutreachAt            time.Time      `json:"outreachAt,omitzero"`
	ListedAt              time.Time      `json:"listedAt"`
}

type scoreAt struct {
	Score int       `json:"score"`
	At    time.Time `json:"at,omitzero"`
}

type conversationR struct {
	ID string    `json:"id"`
	At time.Time `json:"at,omitzero"`
}

// winbackList answers GET /winback: the newest day's list as it stands now
// (who bought, wrote or was dismissed since is off), most value at risk first.
func (a *API) winbackList(ctx context.Context, c *call) (reply, error) {
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	vs, err := a.valueStore()
	if err != nil {
		return reply{}, err
	}
	now := a.Store.Now()
	entries, day, found, err := vs.WinbackList(ctx, now)
	if err != nil {
		return reply{}, err
	}
	items := []winbackItem{}
	if !found {
		return ok(map[string]any{"day": nil, "customers": items}), nil
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.CustomerID)
	}
	profiles, err := vs.CustomersByID(ctx, ids)
	if err != nil {
		return reply{}, err
	}
	states, err := vs.WinbackStates(ctx, ids)
	if err != nil {
		return reply{}, err
	}
	for _, e := range entries {
		cu, st := profiles[e.CustomerID], states[e.CustomerID]
		if !winback.StillOn(e, cu, st) {
			continue
		}
		it := winbackItem{CustomerID: e.CustomerID, DisplayName: cu.DisplayName, Tier: cu.Tier, Reason: e.Reason,
			ValueAtRisk: e.ValueAtRisk, LastPurchaseAt: e.LastPurchaseAt, Channel: outreachChannel(cu), ListedAt: e.ListedAt}
		if !e.LastPurchaseAt.IsZero() {
			d := winback.DaysSince(e.LastPurchaseAt, now)
			it.DaysSinceLastPurchase = &d
		}
		if cu.LastSatisfactionScore > 0 {
			it.LastSatisfaction = &scoreAt{Score: cu.LastSatisfactionScore, At: cu.LastSatisfactionAt}
		}
		if e.LastConversationID != "" {
			it.LastConversation = &conversationR{ID: e.LastConversationID, At: e.LastConversationAt}
		}
		if st.Basis.Equal(e.LastPurchaseAt) {
			it.OutreachAt = st.OutreachAt
		}
		items = append(items, it)
	}
	// The day's partition is in customer order; the list is read by value.
	sort.SliceStable(items, func(i, j int) bool { return items[i].ValueAtRisk > items[j].ValueAtRisk })
	return ok(map[string]any{"day": day.Format("2006-01-02"), "customers": items}), nil
}

// winbackRun answers POST /winback/run: the daily job, on demand.
func (a *API) winbackRun(ctx context.Context, c *call) (reply, error) {
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	vs, err := a.valueStore()
	if err != nil {
		return reply{}, err
	}
	list, err := a.winbackJob(vs).Run(ctx)
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"day": a.Store.Now().Format("2006-01-02"), "listed": len(list)}), nil
}

// winbackDismiss answers POST /winback/{id}/dismiss {"reason"}: off the list
// until she buys again.
func (a *API) winbackDismiss(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	reason, err := reasonBody(c)
	if err != nil {
		return reply{}, err
	}
	vs, err := a.valueStore()
	if err != nil {
		return reply{}, err
	}
	cu, err := a.Store.GetCustomer(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if err := vs.DismissWinback(ctx, cu.ID, cu.LastPurchaseAt, c.who.Subject, reason); err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"customerId": cu.ID, "dismissed": true, "reason": reason}), nil
}

// outreachChannel is where a proactive message to the customer goes: the
// channel she prefers (preferences.channel), else the one she last used,
// else her most used; a call's number gets a text.
func outreachChannel(cu domain.Customer) domain.Channel {
	for _, ch := range []domain.Channel{domain.Channel(cu.Preferences["channel"]), cu.LastChannel, cu.MostUsedChannel} {
		if ch == domain.ChannelVoice {
			ch = domain.ChannelSMS
		}
		if ch != "" && ch != domain.ChannelAgent && ch != domain.ChannelWebchat && profileAddress(cu, ch) != "" {
			return ch
		}
	}
	return ""
}

type outreachBody struct {
	Text     string `json:"text"`
	Template string `json:"template"`
	Subject  string `json:"subject"`
	// ConfirmResend sends again after an attempt that did not finish (its
	// claim older than outreachStale): the caller has checked her timeline.
	ConfirmResend bool `json:"confirmResend"`
}

// outreachStale is how long an unfinished outreach attempt is taken to be
// in flight; after it, confirmResend may start another.
const outreachStale = 2 * time.Minute

// winbackOutreach answers POST /winback/{id}/outreach: opens (or joins) the
// customer's conversation, assigned to the caller, and sends on her
// preferred channel, recorded as an outreach touchpoint. A customer who
// opted out of proactive messages there is refused (409 opted_out).
func (a *API) winbackOutreach(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	var body outreachBody
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	if (body.Text == "") == (body.Template == "") {
		return reply{}, domain.Errorf(domain.CodeInvalid, "give exactly one of text or template")
	}
	var msg string
	if body.Text != "" {
		if msg, err = text("text", body.Text); err != nil {
			return reply{}, err
		}
	}
	if body.Template != "" {
		if _, err := shortText("template", body.Template, 128); err != nil {
			return reply{}, err
		}
	}
	vs, err := a.valueStore()
	if err != nil {
		return reply{}, err
	}
	cu, err := a.Store.GetCustomer(ctx, id)
	if err != nil {
		return reply{}, err
	}
	ch := outreachChannel(cu)
	if ch == "" {
		return reply{}, domain.Errorf(domain.CodeConflict, "the customer has no address to reach her on")
	}
	if consent, ok := cu.Consent[ch]; ok && consent.OptedOut {
		return reply{}, domain.Errorf(domain.CodeOptedOut, "the customer opted out of proactive messages on %s (%s)", ch, consent.At.Format(time.DateOnly))
	}
	d := destination{Channel: ch, To: profileAddress(cu, ch), Kind: domain.KindOutreach, Template: body.Template}
	// The send policy weighs her consent and may name her phone (a ZNS template) or another channel.
	d.Name, d.Consent = cu.DisplayName, cu.Consent
	d.Phone, d.Alternates = policyAddresses(cu)
	if cu.LastChannel == ch {
		d.LastInboundAt = cu.LastContactAt // WhatsApp: inside 24 h free text goes, outside the template
	}
	switch ch {
	case domain.ChannelZalo:
		if d.Template == "" {
			d.Template = a.Config.OutreachZNSTemplate
		}
		if msg == "" {
			return reply{}, domain.Errorf(domain.CodeInvalid, "a Zalo outreach needs text (the ZNS template %q carries it)", d.Template)
		}
	case domain.ChannelWhatsApp:
	default:
		if msg == "" {
			return reply{}, domain.Errorf(domain.CodeInvalid, "a template goes on WhatsApp and Zalo only; %s needs text", ch)
		}
	}
	if ch == domain.ChannelEmail {
		d.Subject = strings.TrimSpace(body.Subject)
		if d.Subject == "" {
			d.Subject = strings.TrimSpace(a.Config.BusinessName)
		}
	}
	// The caller takes the conversation: refuse before opening one she
	// could not hold (assignment checks again, atomically).
	if c.agent.Status != domain.AgentAvailable || c.agent.Load >= c.agent.MaxConcurrent {
		return reply{}, domain.Errorf(domain.CodeConflict, "set yourself available with a free slot to take the outreach conversation")
	}
	conv, _, err := vs.OpenConversation(ctx, cu.ID, ch)
	if err != nil {
		return reply{}, err
	}
	if conv.AssigneeID == "" {
		if conv, err = a.assignTo(ctx, conv.ID, c.who.Subject, false); err != nil {
			return reply{}, err
		}
	} else if err := mayWork(c.who, conv); err != nil {
		return reply{}, err
	}
	meta := map[string]string{"agentId": c.who.Subject, "winback": "true"}
	if d.Template != "" {
		meta["templateName"] = d.Template
	}
	// One outreach per purchase cycle: claimed before the send, so a second
	// click, or a retry after a send that went out and a record that did not,
	// is refused rather than sent twice (outreach carries no provider
	// idempotency key).
	if err := vs.ClaimWinbackOutreach(ctx, cu.ID, cu.LastPurchaseAt, c.who.Subject, a.Store.Now().Add(-outreachStale), body.ConfirmResend); err != nil {
		return reply{}, err
	}
	tp, err := a.send(ctx, conv, d, msg, meta, false)
	if err != nil {
		if tp.Status == domain.StatusFailed {
			// The provider (or the send policy) refused it: nothing went out.
			if rerr := vs.ReleaseWinbackOutreach(ctx, cu.ID, cu.LastPurchaseAt); rerr != nil {
				a.Log.Warn("release win-back outreach", "customer", cu.ID, "error", rerr.Error())
			}
		}
		return reply{}, err
	}
	if err := vs.RecordWinbackOutreach(ctx, cu.ID, cu.LastPurchaseAt, c.who.Subject, conv.ID); err != nil {
		return reply{}, err
	}
	return created(map[string]any{"touchpoint": tp, "conversation": a.view(ctx, conv)}), nil
}

// shortText validates a short required field.
func shortText(field, s string, maxChars int) (string, error) {
	s, err := text(field, s)
	if err != nil {
		return "", err
	}
	if len([]rune(s)) > maxChars {
		return "", domain.Errorf(domain.CodeInvalid, "%s is longer than %d characters", field, maxChars)
	}
	return s, nil
}
