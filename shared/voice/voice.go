// Package voice makes a phone call reach a person (issue 18). When a call
// comes in during business hours it rings the agent of the caller's open
// conversation if they can take it, else up to N agents of the team who
// speak her language, least loaded first, all at once; each agent hears who
// is calling before the caller is bridged. Outside hours, or when nobody
// answers, she hears it in her language and can leave a voicemail. What
// really happened decides the rest: a call no agent answered is a missed
// call (whatever Twilio's final CallStatus), which owes her a call back; an
// answered one is annotated with the agent, the duration and the recording.
//
// The TwiML is built by shared/channels/twilio; this package decides.
package voice

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
)

// Store is what call routing reads and writes.
type Store interface {
	Now() time.Time
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
	// VoiceAgents lists a team's agents whose phone can ring now.
	VoiceAgents(ctx context.Context, team string) ([]domain.Agent, error)
	FindByProviderMessage(ctx context.Context, provider, msgID string) (domain.Touchpoint, error)
	Annotate(ctx context.Context, provider, msgID string, meta map[string]string) (domain.Touchpoint, error)
	Timeline(ctx context.Context, customerID string, limit int, cursor string) (store.Page, error)
	// StartAgentCall and EndAgentCall hold one of the agent's slots while
	// a call lasts; both are idempotent per call.
	StartAgentCall(ctx context.Context, agentID, callSid string) (bool, error)
	EndAgentCall(ctx context.Context, agentID, callSid string) (bool, error)
	// EditConversation changes a conversation under its version.
	EditConversation(ctx context.Context, id string, edit func(*domain.Conversation) error) (domain.Conversation, error)
}

// Ingester records a missed call (the ingest pipeline).
type Ingester interface {
	Ingest(ctx context.Context, in domain.Inbound) (ingest.Outcome, error)
}

// Policies gives a team's SLA policy, whose calendar holds its business hours.
type Policies interface {
	Policy(ctx context.Context, team string) (sla.Policy, error)
}

// Config is how calls are routed.
type Config struct {
	// PublicBaseURL is where Twilio reaches the callbacks.
	PublicBaseURL string
	// BusinessNumber is the callerId agents see (the business's Twilio number).
	BusinessNumber string
	BusinessName   string
	// DefaultTeam answers a call whose conversation has no team yet.
	DefaultTeam string
	// RingAgents is N, how many agents ring at once (default 3, at most 10).
	RingAgents int
	// RingSeconds is how long they ring (default 20).
	RingSeconds int
	// Record records answered calls (<Dial record>): the recording link
	// lands on the call touchpoint.
	Record bool
}

func (c Config) withDefaults() Config {
	if c.RingAgents <= 0 {
		c.RingAgents = 3
	}
	c.RingAgents = min(c.RingAgents, twilio.MaxRing)
	if c.RingSeconds <= 0 {
		c.RingSeconds = 20
	}
	return c
}

// Service routes calls. Store, Ingest and Teams are required.
type Service struct {
	Store  Store
	Ingest Ingester
	Teams  Policies
	Config Config
	Log    *slog.Logger
}

// Metadata keys on a call touchpoint.
const (
	MetaAnsweredBy     = "answeredBy"
	MetaAnsweredAt     = "answeredAt"
	MetaDialStatus     = "dialCallStatus"
	MetaDuration       = "durationSeconds"
	MetaRecordingURL   = "recordingUrl"
	MetaRang           = "rang"
	MetaVoicemailTPID  = "voicemailTouchpointId"
	MetaCallTouchpoint = "callTouchpointId"
)

// Plan is how an incoming call is answered.
type Plan struct {
	// Closed: outside business hours.
	Closed bool
	// Agents ring at once, in order; empty: straight to voicemail.
	Agents []domain.Agent
	// Assignee: the first agent is the caller's own.
	Assignee bool
}

// Answer is the TwiML answering an incoming call the ingest pipeline just
// recorded (out), from the caller's number to the business's (called): the
// callerId agents see when no BusinessNumber is configured.
func (s *Service) Answer(ctx context.Context, out ingest.Outcome, caller, callSid, called string) ([]byte, error) {
	cfg := s.Config.withDefaults()
	cust := out.Customer
	lang := language(cust)
	g := twilio.Greeting{PublicBaseURL: cfg.PublicBaseURL, Business: cfg.BusinessName, Language: lang,
		Name: cust.DisplayName, Honorific: cust.Preferences["honorific"], Caller: caller}
	plan, conv, err := s.plan(ctx, out)
	if err != nil {
		return nil, err
	}
	if plan.Closed || len(plan.Agents) == 0 {
		g.Closed = plan.Closed
		return twilio.VoiceTwiML(g), nil
	}
	base := strings.TrimRight(cfg.PublicBaseURL, "/")
	callerID := cfg.BusinessNumber
	if callerID == "" {
		callerID = called
	}
	d := twilio.Dial{Action: base + twilio.DialPath, Timeout: cfg.RingSeconds, CallerID: callerID,
		Record: cfg.Record, Language: lang, Say: holdText(lang, cust)}
	var rang []string
	for _, a := range plan.Agents {
		whisper := twilio.WithQuery(base+twilio.WhisperPath, url.Values{"agent": {a.ID}, "conv": {conv.ID}, "call": {callSid}})
		d.Targets = append(d.Targets, twilio.Target{Phone: a.Phone, ClientIdentity: a.ClientIdentity, WhisperURL: whisper})
		rang = append(rang, a.ID)
	}
	if _, err := s.Store.Annotate(ctx, twilio.Provider, callSid, map[string]string{MetaRang: strings.Join(rang, ",")}); err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		s.logger().Warn("rang agents not noted on the call", "reason", domain.ErrorMessage(err))
	}
	s.logger().Info("call ringing agents", "conversation", conv.ID, "agents", len(rang), "assignee", plan.Assignee)
	return twilio.DialTwiML(d), nil
}

// plan decides who rings for the call out recorded.
func (s *Service) plan(ctx context.Context, out ingest.Outcome) (Plan, domain.Conversation, error) {
	cfg := s.Config.withDefaults()
	var conv domain.Conversation
	if id := out.Touchpoint.ConversationID; id != "" {
		c, err := s.Store.GetConversation(ctx, id)
		if err != nil {
			return Plan{}, conv, err
		}
		conv = c
	}
	team := conv.Team
	if team == "" {
		team = cfg.DefaultTeam
	}
	pol, err := s.Teams.Policy(ctx, team)
	if err != nil {
		return Plan{}, conv, err
	}
	if !pol.Calendar.Open(s.Store.Now()) {
		return Plan{Closed: true}, conv, nil
	}
	if conv.AssigneeID != "" {
		a, err := s.Store.GetAgent(ctx, conv.AssigneeID)
		if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
			return Plan{}, conv, err
		}
		if err == nil && a.Callable() {
			return Plan{Agents: []domain.Agent{a}, Assignee: true}, conv, nil
		}
	}
	agents, err := s.Store.VoiceAgents(ctx, team)
	if err != nil {
		return Plan{}, conv, err
	}
	priority := conv.Priority
	if domain.PriorityRank(out.Job.Priority) < domain.PriorityRank(priority) || priority == "" {
		priority = out.Job.Priority
	}
	return Plan{Agents: Choose(agents, language(out.Customer), priorityCaller(out.Customer, priority), cfg.RingAgents)}, conv, nil
}

func priorityCaller(c domain.Customer, p domain.Priority) bool {
	return strings.EqualFold(c.Tier, domain.TierVIP) || p == domain.PriorityUrgent
}

// Choose orders the agents a call rings: those who speak the caller's
// language (or list none), least loaded first, then longest since their last
// assignment; at most n. An agent whose chat slots are all taken rings only
// for a VIP or urgent caller (first placed): a phone call from them comes
// before the agent's chat backlog, while an ordinary caller waits for an
// agent with room. An agent without a phone or client identity cannot be
// dialled and is skipped.
func Choose(agents []domain.Agent, lang string, first bool, n int) []domain.Agent {
	var out []domain.Agent
	for _, a := range agents {
		if !a.Callable() {
			continue
		}
		if lang != "" && len(a.Languages) > 0 && !slices.Contains(a.Languages, lang) {
			continue
		}
		if a.Load >= a.MaxConcurrent && !first {
			continue
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(x, y domain.Agent) int {
		if fx, fy := x.Load >= x.MaxConcurrent, y.Load >= y.MaxConcurrent; fx != fy {
			if fx {
				return 1
			}
			return -1
		}
		if x.Load != y.Load {
			return x.Load - y.Load
		}
		return x.LastAssignedAt.Compare(y.LastAssignedAt)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Whisper answers <Number url>: the agent agentID picked up callSid. The
// call now holds one of their slots, the call touchpoint names them, and
// they hear who is calling in their own language. Storage trouble does not
// keep the agent from the caller: it is logged and a plainer whisper said.
func (s *Service) Whisper(ctx context.Context, q url.Values) []byte {
	agentID, convID, callSid := q.Get("agent"), q.Get("conv"), q.Get("call")
	if agentID == "" || callSid == "" {
		s.logger().Warn("whisper without agent or call")
		return twilio.EmptyTwiML()
	}
	ag, err := s.Store.GetAgent(ctx, agentID)
	if err != nil {
		s.logger().Warn("whisper: agent unreadable", "agent", agentID, "reason", domain.ErrorMessage(err))
	}
	lang := "vi"
	if len(ag.Languages) > 0 {
		lang = ag.Languages[0]
	}
	if _, err := s.Store.StartAgentCall(ctx, agentID, callSid); err != nil {
		s.logger().Warn("call not counted on the agent's capacity", "agent", agentID, "reason", domain.ErrorMessage(err))
	}
	meta := map[string]string{MetaAnsweredBy: agentID, MetaAnsweredAt: s.Store.Now().UTC().Format(time.RFC3339)}
	if _, err := s.Store.Annotate(ctx, twilio.Provider, callSid, meta); err != nil {
		s.logger().Warn("answer not noted on the call", "call", callSid, "reason", domain.ErrorMessage(err))
	}
	var cust domain.Customer
	var topic string
	if convID != "" {
		if conv, err := s.Store.GetConversation(ctx, convID); err == nil {
			if cust, err = s.Store.GetCustomer(ctx, conv.CustomerID); err == nil {
				topic = s.lastTopic(ctx, cust.ID)
			}
		}
	}
	return twilio.SayTwiML(lang, WhisperText(lang, cust, topic))
}

// lastTopic is the customer's latest words on the timeline, briefly.
func (s *Service) lastTopic(ctx context.Context, customerID string) string {
	page, err := s.Store.Timeline(ctx, customerID, 20, "")
	if err != nil {
		return ""
	}
	for _, tp := range page.Items {
		if tp.Direction != domain.DirectionIn {
			continue
		}
		t := strings.TrimSpace(tp.Subject)
		if t == "" {
			t = strings.TrimSpace(tp.Text)
		}
		if t != "" {
			return clip(strings.Join(strings.Fields(t), " "), 80)
		}
	}
	return ""
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// DialEnded handles <Dial>'s action: the agents' ringing ended. Answered:
// the call touchpoint gets the agent, duration and recording, the agent's
// slot is given back, and the call ends. Not answered: a missed call is
// recorded and the caller hears, in her language, that she can leave a
// voicemail. A malformed request or an unknown call is answered (200) with
// nothing stored, since Twilio's retry would be no better.
func (s *Service) DialEnded(ctx context.Context, r twilio.DialResult) ([]byte, error) {
	call, err := s.Store.FindByProviderMessage(ctx, twilio.Provider, r.CallSid)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		s.logger().Warn("dial ended for an unknown call: nothing stored", "call", r.CallSid)
		return twilio.HangupTwiML(), nil
	}
	if err != nil {
		return nil, err
	}
	if r.Answered() {
		meta := map[string]string{MetaDialStatus: r.Status, MetaDuration: strconv.Itoa(r.Duration)}
		if r.RecordingURL != "" && s.Config.Record {
			meta[MetaRecordingURL] = r.RecordingURL
		}
		if err := s.finish(ctx, call, meta); err != nil {
			return nil, err
		}
		return twilio.HangupTwiML(), nil
	}
	if _, err := s.missed(ctx, call, r.Status); err != nil {
		return nil, err
	}
	cust, err := s.Store.GetCustomer(ctx, call.CustomerID)
	if err != nil {
		return nil, err
	}
	caller := ""
	if call.From != nil {
		caller = call.From.Value
	}
	return twilio.VoiceTwiML(twilio.Greeting{PublicBaseURL: s.Config.PublicBaseURL, Business: s.Config.BusinessName,
		Language: language(cust), Name: cust.DisplayName, Honorific: cust.Preferences["honorific"], Caller: caller}), nil
}

// finish notes how an answered call went and gives the agent's slot back.
func (s *Service) finish(ctx context.Context, call domain.Touchpoint, meta map[string]string) error {
	if agent := call.Metadata[MetaAnsweredBy]; agent != "" {
		if _, err := s.Store.EndAgentCall(ctx, agent, call.ProviderMessageID); err != nil {
			return err
		}
	}
	_, err := s.Store.Annotate(ctx, twilio.Provider, call.ProviderMessageID, meta)
	if err == nil {
		s.logger().Info("call answered", "call", call.ID, "agent", call.Metadata[MetaAnsweredBy], "duration", meta[MetaDuration])
	}
	return err
}

// CallEnded handles the final status callback of a call the customer made.
// Nobody answered it (no agent picked up, whatever CallStatus says: a call
// Twilio answered with TwiML is "completed" even if she hung up during the
// greeting) → a missed call; a duplicate of the one <Dial>'s action recorded
// is stored once. Answered → the agent's slot is given back if the action
// did not. An unknown call stores nothing.
func (s *Service) CallEnded(ctx context.Context, st twilio.CallStatus) error {
	if !st.Inbound() || !st.Final() {
		return nil
	}
	call, err := s.Store.FindByProviderMessage(ctx, twilio.Provider, st.CallSid)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		s.logger().Warn("status for an unknown call: nothing stored", "call", st.CallSid)
		return nil
	}
	if err != nil {
		return err
	}
	if call.Metadata[MetaAnsweredBy] != "" {
		meta := map[string]string{}
		if call.Metadata[MetaDuration] == "" {
			meta[MetaDuration] = strconv.Itoa(st.Duration)
		}
		return s.finish(ctx, call, meta)
	}
	_, err = s.missed(ctx, call, st.Status)
	return err
}

// missed records the missed call of call (idempotent: its id is the call's
// CallSid + ":missed").
func (s *Service) missed(ctx context.Context, call domain.Touchpoint, why string) (ingest.Outcome, error) {
	if call.From == nil || call.From.Kind != domain.KindPhone {
		return ingest.Outcome{}, nil
	}
	meta := map[string]string{"callSid": call.ProviderMessageID, MetaCallTouchpoint: call.ID, MetaDialStatus: why}
	if call.Metadata[MetaVoicemailTPID] != "" {
		meta["voicemail"] = "true"
	}
	out, err := s.Ingest.Ingest(ctx, domain.Inbound{
		Provider: twilio.Provider, Channel: domain.ChannelVoice, Kind: domain.KindMissedCall,
		ProviderMessageID: call.ProviderMessageID + ":missed", OccurredAt: s.Store.Now(),
		Identities: []domain.RawIdentity{{Kind: domain.KindPhone, Value: call.From.Value}}, Metadata: meta,
	})
	if err != nil {
		return out, err
	}
	if !out.Duplicate {
		s.logger().Info("missed call", "call", call.ID, "why", why, "conversation", out.Touchpoint.ConversationID)
	}
	return out, nil
}

// Bridge is the TwiML of an agent's click-to-call once the agent answered:
// it dials the customer of the conversation q names ("conv") from the
// business number (BusinessNumber, else from: the number the agent's leg
// came from).
func (s *Service) Bridge(ctx context.Context, q url.Values, from string) ([]byte, error) {
	conv, err := s.Store.GetConversation(ctx, q.Get("conv"))
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound || domain.ErrorCode(err) == domain.CodeInvalid {
			s.logger().Warn("bridge for an unknown conversation")
			return twilio.HangupTwiML(), nil
		}
		return nil, err
	}
	cust, err := s.Store.GetCustomer(ctx, conv.CustomerID)
	if err != nil {
		return nil, err
	}
	to := CustomerPhone(cust)
	if to == "" {
		return twilio.HangupTwiML(), nil
	}
	callerID := s.Config.BusinessNumber
	if callerID == "" {
		callerID = from // the agent's leg comes from the business number
	}
	// The dial's action tells whether she picked up (Bridged).
	action := twilio.WithQuery(strings.TrimRight(s.Config.PublicBaseURL, "/")+twilio.BridgedPath, url.Values{"conv": {conv.ID}})
	return twilio.BridgeTwiML(callerID, to, action, s.Config.withDefaults().RingSeconds*2), nil
}

// Bridged takes the result of a call back's dial to the customer (the
// bridge's <Dial> action): when she picked up and talked, the agent has
// answered her, so her first response (or the running next response) is
// met, as a reply would meet it. A call she did not take changes nothing:
// the call back is still owed in effect, and the clock runs on. The call
// then ends.
func (s *Service) Bridged(ctx context.Context, q url.Values, r twilio.DialResult) ([]byte, error) {
	if !r.Answered() {
		return twilio.HangupTwiML(), nil
	}
	id := q.Get("conv")
	if !domain.ValidID(domain.ConversationIDPrefix, id) {
		s.logger().Warn("bridged call names no conversation", "call", r.CallSid)
		return twilio.HangupTwiML(), nil
	}
	at := s.Store.Now()
	// The team's policy is read inside the edit (the team may change
	// between tries; the policy source caches), so the conversation is read
	// once.
	_, err := s.Store.EditConversation(ctx, id, func(c *domain.Conversation) error {
		if c.Closed() {
			return store.ErrNoChange
		}
		pol, err := s.Teams.Policy(ctx, c.Team)
		if err != nil {
			return err
		}
		routing.Responded(c, pol, at)
		return nil
	})
	if domain.ErrorCode(err) == domain.CodeNotFound {
		s.logger().Warn("bridged call for an unknown conversation", "call", r.CallSid)
		return twilio.HangupTwiML(), nil
	}
	if err != nil {
		return nil, err
	}
	s.logger().Info("call back answered: response met", "conversation", id, "call", r.CallSid, "seconds", r.Duration)
	return twilio.HangupTwiML(), nil
}

// CustomerPhone is the number a call back rings: the one she last called or
// texted from, else her first trusted phone ("" when she has none).
func CustomerPhone(c domain.Customer) string {
	for _, ch := range []domain.Channel{domain.ChannelVoice, domain.ChannelSMS, domain.ChannelWhatsApp} {
		if k, ok := c.LastFrom[ch]; ok {
			if id, ok := domain.ParseKey(k); ok && id.Kind == domain.KindPhone && trusted(c, id) {
				return id.Value
			}
		}
	}
	for _, id := range c.Identities {
		if id.Kind == domain.KindPhone && trusted(c, id) {
			return id.Value
		}
	}
	return ""
}

func trusted(c domain.Customer, id domain.Identity) bool {
	if !slices.Contains(c.Identities, id) {
		return false
	}
	p, ok := c.IdentityProof[id.Key()]
	return !ok || p.Trusted()
}

func language(c domain.Customer) string {
	if c.Language != "" {
		return c.Language
	}
	return "vi"
}

// holdText greets the caller while the agents ring.
func holdText(lang string, c domain.Customer) string {
	vi := twilio.IsVietnamese(lang)
	name := twilio.CallName(c.DisplayName, vi)
	if vi {
		who := "quý khách"
		if name != "" {
			who = strings.TrimSpace(c.Preferences["honorific"] + " " + name)
		}
		return "Xin chào " + who + ". Xin vui lòng chờ trong giây lát, chúng tôi đang kết nối."
	}
	if name != "" {
		return "Hello " + name + ". Please hold while we connect you."
	}
	return "Hello. Please hold while we connect you."
}

// WhisperText is what the agent hears before the caller is bridged: her
// name, tier and last topic, in the agent's language.
func WhisperText(agentLang string, c domain.Customer, topic string) string {
	vi := twilio.IsVietnamese(agentLang)
	name := strings.TrimSpace(c.DisplayName)
	var b strings.Builder
	if vi {
		switch {
		case name != "":
			b.WriteString("Cuộc gọi từ " + strings.TrimSpace(c.Preferences["honorific"]+" "+name) + ".")
		default:
			b.WriteString("Cuộc gọi từ khách hàng mới.")
		}
		if t := tierName(c.Tier, true); t != "" {
			b.WriteString(" Khách hàng " + t + ".")
		}
		if topic != "" {
			b.WriteString(" Lần trước: " + topic)
		}
		return b.String()
	}
	if name != "" {
		b.WriteString("Call from " + name + ".")
	} else {
		b.WriteString("Call from a new customer.")
	}
	if t := tierName(c.Tier, false); t != "" {
		b.WriteString(" " + t + " customer.")
	}
	if topic != "" {
		b.WriteString(" Last topic: " + topic)
	}
	return b.String()
}

func tierName(tier string, vi bool) string {
	switch strings.ToLower(tier) {
	case domain.TierVIP:
		return "VIP"
	case domain.TierValued:
		if vi {
			return "thân thiết"
		}
		return "Valued"
	}
	return ""
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
