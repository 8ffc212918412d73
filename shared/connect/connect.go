// Package connect brings Amazon Connect calls into the customer table. A
// contact flow's Lambda block calls it when a call arrives: the call is stored
// as a touchpoint and the flow gets back who is calling (name, language,
// tier, priority and a greeting), so it can greet a known caller by name and
// send a VIP to a priority queue. Contact events from EventBridge turn a call
// that ended before reaching an agent into a missed-call touchpoint.
package connect

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/stage"
)

// Config is the connect function's environment.
type Config struct {
	stage.Settings
	RoutingQueueURL string `env:"ROUTING_QUEUE_URL" required:"true"`
	UrgentQueueURL  string `env:"URGENT_QUEUE_URL"`
	// ConnectQueues maps the caller's language and tier to a Connect queue
	// (ARN or id) the flow's "Set working queue" block uses: a JSON object
	// whose keys are "<language>/<tier>", "<tier>", "<language>" or
	// "default", tried in that order, e.g. {"vi/vip":"arn:…/queue/vi-vip",
	// "vi":"arn:…/queue/vi","en":"arn:…/queue/en","default":"arn:…/queue/vi"}.
	ConnectQueues string `env:"CONNECT_QUEUES"`
}

// Queues is CONNECT_QUEUES parsed.
type Queues map[string]string

// ParseQueues reads CONNECT_QUEUES ("" is no mapping).
func ParseQueues(raw string) (Queues, error) {
	q := Queues{}
	if strings.TrimSpace(raw) == "" {
		return q, nil
	}
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "CONNECT_QUEUES is not a JSON object of strings: %v", err)
	}
	return q, nil
}

// For is the queue of a caller by language and tier ("" when unmapped).
func (q Queues) For(lang, tier string) string {
	lang, tier = strings.ToLower(lang), strings.ToLower(tier)
	for _, k := range []string{lang + "/" + tier, tier, lang, "default"} {
		if v, ok := q[k]; ok && k != "" && k != "/" {
			return v
		}
	}
	return ""
}

// Provider names Connect touchpoints; the provider message id is the contact id.
const Provider = "connect"

// Ingester is the ingest pipeline.
type Ingester interface {
	Ingest(ctx context.Context, in domain.Inbound) (ingest.Outcome, error)
}

// Calls finds the call a contact event is about, and the agent a caller's
// conversation is assigned to.
type Calls interface {
	FindByProviderMessage(ctx context.Context, provider, msgID string) (domain.Touchpoint, error)
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
}

// Handler serves both event shapes.
type Handler struct {
	Ingest       Ingester
	Calls        Calls
	BusinessName string
	// Queues routes callers by language and tier (optional).
	Queues Queues
	Log    *slog.Logger
}

// contactEvent is the EventBridge "Amazon Connect Contact Event" detail.
type contactEvent struct {
	DetailType string `json:"detail-type"`
	Time       time.Time
	Detail     struct {
		EventType           string          `json:"eventType"`
		ContactID           string          `json:"contactId"`
		Channel             string          `json:"channel"`
		InitiationMethod    string          `json:"initiationMethod"`
		AgentInfo           json.RawMessage `json:"agentInfo"`
		DisconnectTimestamp time.Time       `json:"disconnectTimestamp"`
	} `json:"detail"`
}

// Handle accepts a contact-flow invocation (returns attributes for the flow)
// or a contact event (returns nothing).
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Details    *json.RawMessage `json:"Details"`
		DetailType string           `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "event is not JSON")
	}
	if probe.Details != nil {
		var ev events.ConnectEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, domain.Errorf(domain.CodeInvalid, "malformed contact flow event")
		}
		return h.ContactFlow(ctx, ev)
	}
	if probe.DetailType == "Amazon Connect Contact Event" {
		var ev contactEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, domain.Errorf(domain.CodeInvalid, "malformed contact event")
		}
		return nil, h.contactEvent(ctx, ev)
	}
	return nil, domain.Errorf(domain.CodeInvalid, "not an Amazon Connect event")
}

// ContactFlow stores the arriving call and tells the flow who is calling.
// Attribute values are strings, as Connect requires.
func (h *Handler) ContactFlow(ctx context.Context, ev events.ConnectEvent) (events.ConnectResponse, error) {
	cd := ev.Details.ContactData
	resp := events.ConnectResponse{"customerKnown": "false", "language": "vi", "priority": string(domain.PriorityNormal)}
	if !strings.EqualFold(cd.Channel, "voice") || cd.CustomerEndpoint.Type != "TELEPHONE_NUMBER" || cd.CustomerEndpoint.Address == "" || cd.ContactID == "" {
		resp["greeting"] = Greeting("vi", "", "", h.BusinessName)
		return resp, nil
	}
	if strings.ToUpper(cd.InitiationMethod) != "INBOUND" {
		// An outbound or transferred leg is not a new customer contact.
		return resp, nil
	}
	out, err := h.Ingest.Ingest(ctx, domain.Inbound{
		Provider: Provider, Channel: domain.ChannelVoice, Kind: domain.KindCall, ProviderMessageID: cd.ContactID,
		Identities: []domain.RawIdentity{{Kind: domain.KindPhone, Value: cd.CustomerEndpoint.Address}},
		Metadata:   map[string]string{"queue": cd.Queue.Name, "initiationMethod": cd.InitiationMethod},
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInvalid {
			// A withheld or malformed caller id: answer the call anyway.
			resp["greeting"] = Greeting("vi", "", "", h.BusinessName)
			return resp, nil
		}
		return nil, err
	}
	c := out.Customer
	if out.Duplicate {
		// Connect retried the invocation: the call is stored; read who it is.
		if c, err = h.Calls.GetCustomer(ctx, out.Touchpoint.CustomerID); err != nil {
			return nil, err
		}
	}
	lang := c.Language
	if lang == "" {
		lang = "vi"
	}
	known := !out.NewCustomer && c.DisplayName != ""
	resp["customerKnown"] = boolString(known)
	resp["customerId"] = c.ID
	resp["conversationId"] = out.Touchpoint.ConversationID
	resp["language"] = lang
	resp["tier"] = c.Tier
	resp["priority"] = string(out.Job.Priority)
	if known {
		resp["customerName"] = c.DisplayName
	}
	resp["greeting"] = Greeting(lang, c.DisplayName, c.Preferences["honorific"], h.BusinessName)
	// The same rules as Twilio calls: her own agent first (the flow's
	// "Set working queue" by agent, from preferredAgent), then the queue of
	// her language and tier.
	if q := h.Queues.For(lang, c.Tier); q != "" {
		resp["queue"] = q
	}
	agent, err := h.preferredAgent(ctx, out.Touchpoint.ConversationID)
	if err != nil {
		return nil, err
	}
	if agent != "" {
		resp["preferredAgent"] = agent
	}
	return resp, nil
}

// preferredAgent is the Connect user of the agent the conversation is
// assigned to, when their profile maps one.
func (h *Handler) preferredAgent(ctx context.Context, conversationID string) (string, error) {
	if conversationID == "" {
		return "", nil
	}
	conv, err := h.Calls.GetConversation(ctx, conversationID)
	if err != nil || conv.AssigneeID == "" || conv.Closed() {
		return "", err
	}
	a, err := h.Calls.GetAgent(ctx, conv.AssigneeID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return "", nil
	}
	if err != nil || a.Status == domain.AgentInactive {
		return "", err
	}
	return a.ConnectUserID, nil
}

func (h *Handler) contactEvent(ctx context.Context, ev contactEvent) error {
	d := ev.Detail
	missed := d.EventType == "DISCONNECTED" && strings.EqualFold(d.Channel, "voice") &&
		strings.EqualFold(d.InitiationMethod, "INBOUND") && (len(d.AgentInfo) == 0 || string(d.AgentInfo) == "null")
	if !missed || d.ContactID == "" {
		return nil
	}
	// The contact event does not carry the caller's number: the call stored
	// by the contact flow does.
	call, err := h.Calls.FindByProviderMessage(ctx, Provider, d.ContactID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		h.logger().Info("missed call for a contact never seen by the flow", "contact", d.ContactID)
		return nil
	}
	if err != nil {
		return err
	}
	cust, err := h.Calls.GetCustomer(ctx, call.CustomerID)
	if err != nil {
		return err
	}
	var ids []domain.RawIdentity
	for _, id := range cust.Identities {
		if id.Kind == domain.KindPhone {
			ids = append(ids, domain.RawIdentity{Kind: domain.KindPhone, Value: id.Value})
		}
	}
	if len(ids) == 0 {
		return nil
	}
	at := d.DisconnectTimestamp
	if at.IsZero() {
		at = ev.Time
	}
	if at.Before(call.OccurredAt) {
		// Clocks differ between Connect and us; a missed call never precedes its call.
		at = call.OccurredAt.Add(time.Millisecond)
	}
	_, err = h.Ingest.Ingest(ctx, domain.Inbound{
		Provider: Provider, Channel: domain.ChannelVoice, Kind: domain.KindMissedCall,
		ProviderMessageID: d.ContactID + ":missed", Identities: ids, OccurredAt: at,
		Metadata: map[string]string{"callTouchpointId": call.ID},
	})
	return err
}

// Greeting is what the flow's prompt says: by name in the caller's language
// when known.
func Greeting(lang, name, honorific, business string) string {
	given := ""
	if f := strings.Fields(name); len(f) > 0 {
		given = f[len(f)-1]
		if strings.HasPrefix(lang, "en") {
			given = f[0]
		}
	}
	if strings.HasPrefix(lang, "en") {
		g := "Hello"
		if given != "" {
			g += " " + given
		}
		if business != "" {
			return g + ", thank you for calling " + business + "."
		}
		return g + ", thank you for calling."
	}
	g := "Xin chào"
	if given != "" {
		if honorific == "" {
			honorific = "quý khách"
		}
		g = "Xin chào " + honorific + " " + given
	}
	if business != "" {
		return g + ", cảm ơn đã gọi đến " + business + "."
	}
	return g + ", cảm ơn quý khách đã gọi."
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
