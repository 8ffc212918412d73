package agentapi

import (
	"context"
	"net/url"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/voice"
)

// Phone calls (issue 18): agents' voice availability and click-to-call back.

// VoiceStore says whether an agent takes calls now (store.Store).
type VoiceStore interface {
	SetAgentVoice(ctx context.Context, id string, available bool) (domain.Agent, error)
}

// Caller places outbound calls (outbound.Dispatcher, Twilio's Calls API).
type Caller interface {
	PlaceCall(ctx context.Context, c outbound.Call) (string, error)
}

// WithVoice lets agents set their voice availability and call customers
// back; without it both are refused as not configured.
func WithVoice(v VoiceStore, c Caller) Option {
	return func(a *API) { a.VoiceStore, a.Caller = v, c }
}

// setVoice applies the voice part of PUT /agents/me/status.
func (a *API) setVoice(ctx context.Context, agentID string, available bool) (domain.Agent, error) {
	if a.VoiceStore == nil {
		return domain.Agent{}, domain.Errorf(domain.CodeConflict, "phone calls are not configured on this stage")
	}
	return a.VoiceStore.SetAgentVoice(ctx, agentID, available)
}

// callBack is POST /conversations/{id}/call: Twilio rings the calling agent
// (their phone, or their Twilio Client identity) and, once they answer,
// bridges them to the customer (the webhook's bridge TwiML). The call is an
// outbound call touchpoint whose status callbacks update it, and it
// satisfies the call back the conversation owes.
func (a *API) callBack(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	if a.Caller == nil || a.Config.PublicBaseURL == "" {
		return reply{}, domain.Errorf(domain.CodeConflict, "click-to-call is not configured on this stage (Twilio voice and PUBLIC_BASE_URL)")
	}
	ag := c.agent
	target := ag.Phone
	if target == "" && ag.ClientIdentity != "" {
		target = "client:" + ag.ClientIdentity
	}
	if target == "" {
		return reply{}, domain.Errorf(domain.CodeConflict, "set a phone or a client identity on your agent profile to call customers")
	}
	conv, err := a.Store.GetConversation(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if conv.Closed() {
		return reply{}, domain.Errorf(domain.CodeConflict, "conversation %s is closed", id)
	}
	cust, err := a.Store.GetCustomer(ctx, conv.CustomerID)
	if err != nil {
		return reply{}, err
	}
	to := voice.CustomerPhone(cust)
	if to == "" {
		return reply{}, domain.Errorf(domain.CodeConflict, "the customer has no phone number to call")
	}
	base := strings.TrimRight(a.Config.PublicBaseURL, "/")
	sid, callErr := a.Caller.PlaceCall(ctx, outbound.Call{
		To: target, URL: twilio.WithQuery(base+twilio.BridgePath, url.Values{"conv": {conv.ID}}),
		StatusCallback: base + twilio.StatusPath,
	})
	tp := domain.Touchpoint{CustomerID: conv.CustomerID, ConversationID: conv.ID, Channel: domain.ChannelVoice,
		Direction: domain.DirectionOut, Kind: domain.KindCall, Provider: twilio.Provider, ProviderMessageID: sid,
		Status: domain.StatusQueued, Metadata: map[string]string{"agentId": ag.ID, "callback": "true", "to": domain.Mask(to)}}
	if callErr != nil {
		tp.ProviderMessageID, tp.Status = "", domain.StatusFailed
		tp.Metadata["error"] = domain.ErrorMessage(callErr)
		if _, _, err := a.Store.RecordOutbound(ctx, tp); err != nil {
			a.Log.Warn("failed call not recorded", "conversation", conv.ID, "error", err.Error())
		}
		return reply{}, callErr
	}
	stored, _, err := a.Store.RecordOutbound(ctx, tp)
	if err != nil {
		return reply{}, err
	}
	now := a.Store.Now()
	saved, err := a.Store.EditConversation(ctx, conv.ID, func(cv *domain.Conversation) error {
		if !cv.Callback.Owed() {
			return store.ErrNoChange
		}
		cb := *cv.Callback
		cb.DoneAt, cb.DoneBy, cb.Label = now, ag.ID, ""
		cv.Callback = &cb
		return nil
	})
	if err != nil {
		return reply{}, err
	}
	a.Log.Info("call back placed", "conversation", conv.ID, "agent", ag.ID, "touchpoint", stored.ID)
	return created(map[string]any{"touchpoint": stored, "conversation": a.view(ctx, saved)}), nil
}

// Limits of the voice fields: Twilio Client identities are at most 121
// characters of letters, digits and _ . - @ (no spaces); a Connect user is
// an id or an ARN.
var (
	clientIdentityChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@"
	connectUserChars    = clientIdentityChars + ":/"
)

// checkVoice validates and normalizes an agent's voice fields: the phone
// to E.164 by the same normalizer as customers' numbers (libphonenumber,
// the stage's default region); "" clears a field.
func (a *API) checkVoice(f *agentFields) error {
	if f.Phone != nil && strings.TrimSpace(*f.Phone) != "" {
		id, err := a.Normalizer.Normalize(domain.KindPhone, *f.Phone)
		if err != nil {
			return domain.Errorf(domain.CodeInvalid, "phone: %s", domain.ErrorMessage(err))
		}
		f.Phone = &id.Value
	} else if f.Phone != nil {
		f.Phone = new(string)
	}
	if f.ClientIdentity != nil {
		if v := *f.ClientIdentity; len(v) > 121 || strings.Trim(v, clientIdentityChars) != "" {
			return domain.Errorf(domain.CodeInvalid, "clientIdentity is up to 121 letters, digits and _ . - @")
		}
	}
	if f.ConnectUserID != nil {
		if v := *f.ConnectUserID; len(v) > 256 || strings.Trim(v, connectUserChars) != "" {
			return domain.Errorf(domain.CodeInvalid, "connectUserId is an Amazon Connect user id or ARN")
		}
	}
	return nil
}

// setVoiceFields copies the voice fields of a new agent.
func setVoiceFields(ag *domain.Agent, f agentFields) {
	if f.Phone != nil {
		ag.Phone = *f.Phone
	}
	if f.ClientIdentity != nil {
		ag.ClientIdentity = *f.ClientIdentity
	}
	if f.Voice != nil {
		ag.Voice = *f.Voice
	}
	if f.ConnectUserID != nil {
		ag.ConnectUserID = *f.ConnectUserID
	}
}
