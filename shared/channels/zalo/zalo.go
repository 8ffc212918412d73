// Package zalo adapts Zalo Official Account webhooks posted to /webhooks/zalo.
package zalo

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Provider is the provider name on every event this package produces.
const Provider = "zalo"

// SignatureHeader is the lower-cased name of Zalo's event signature header.
const SignatureHeader = "x-zevent-signature"

// MaxAge bounds how old a signed event may be. Zalo redelivers a failed event
// for up to 12 hours with the same signed timestamp, so the window must be
// wider than that; it still stops a captured event from being replayed later.
const MaxAge = 24 * time.Hour

// Signature is the X-ZEvent-Signature value Zalo sends:
// "mac=" + hex(SHA-256(appID + rawBody + timestamp + oaSecretKey)), where
// timestamp is the event's own "timestamp" field and the key is the OA secret
// key (not the app secret).
func Signature(appID string, body []byte, timestamp, oaSecretKey string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(oaSecretKey))
	return "mac=" + hex.EncodeToString(h.Sum(nil))
}

// Verify checks X-ZEvent-Signature against the configured app id and OA
// secret key, and that the signed timestamp is within MaxAge (and not more
// than five minutes ahead of) the request time.
func Verify(req channels.Request, appID, oaSecretKey string) error {
	sig := strings.TrimSpace(req.Header(SignatureHeader))
	if sig == "" {
		return channels.Forbidden("missing X-ZEvent-Signature")
	}
	if appID == "" || oaSecretKey == "" {
		return channels.Forbidden("no Zalo app id or OA secret key configured")
	}
	var head struct {
		Timestamp channels.ID `json:"timestamp"`
	}
	if err := channels.Decode(req.Body, &head); err != nil || head.Timestamp == "" {
		return channels.Forbidden("bad Zalo signature")
	}
	// Some senders omit the "mac=" prefix; the digest is what matters.
	if !strings.HasPrefix(strings.ToLower(sig), "mac=") {
		sig = "mac=" + sig
	}
	sig = "mac=" + strings.ToLower(sig[4:])
	if !channels.Equal(Signature(appID, req.Body, string(head.Timestamp), oaSecretKey), sig) {
		return channels.Forbidden("bad Zalo signature")
	}
	ms, ok := head.Timestamp.Int()
	if !ok {
		return channels.Forbidden("bad Zalo timestamp")
	}
	signed, now := channels.UnixMillis(ms), req.Clock()
	if now.Sub(signed) > MaxAge {
		return channels.Forbidden("request timestamp is too old")
	}
	if signed.Sub(now) > 5*time.Minute {
		return channels.Forbidden("request timestamp is in the future")
	}
	return nil
}

type event struct {
	AppID       channels.ID `json:"app_id"`
	OAID        channels.ID `json:"oa_id"`
	EventName   string      `json:"event_name"`
	Timestamp   channels.ID `json:"timestamp"`
	UserIDByApp channels.ID `json:"user_id_by_app"`
	Source      string      `json:"source"`
	Sender      struct {
		ID channels.ID `json:"id"`
	} `json:"sender"`
	Recipient struct {
		ID channels.ID `json:"id"`
	} `json:"recipient"`
	Follower struct {
		ID channels.ID `json:"id"`
	} `json:"follower"`
	// Info is what a follower submits to a request_user_info template
	// (user_submit_info): the phone is the one Zalo holds for the account.
	Info struct {
		Name  string      `json:"name"`
		Phone channels.ID `json:"phone"`
	} `json:"info"`
	Message struct {
		MsgID       string   `json:"msg_id"`
		MsgIDs      []string `json:"msg_ids"`
		Text        string   `json:"text"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload struct {
				URL         string      `json:"url"`
				Thumbnail   string      `json:"thumbnail"`
				Name        string      `json:"name"`
				Size        channels.ID `json:"size"`
				Type        string      `json:"type"`
				ID          channels.ID `json:"id"`
				Coordinates *struct {
					Latitude  channels.Number `json:"latitude"`
					Longitude channels.Number `json:"longitude"`
				} `json:"coordinates"`
			} `json:"payload"`
		} `json:"attachments"`
	} `json:"message"`
}

// Parse reads one Zalo OA event.
//
// user_send_* events become messages from the follower (sender.id, kept as
// the exact digits: Zalo ids exceed 2^53). follow and unfollow become a
// status touchpoint (Kind status, Metadata event=follow|unfollow): following
// the OA is worth recognizing the customer and putting on the timeline, but it
// is not a request, so ingest should neither open a conversation nor send an
// acknowledgement for it. user_received_message and user_seen_message update
// the messages we sent. Everything else (oa_send_* echoes of our own sends,
// tags, shop events) is acknowledged and left out.
func Parse(req channels.Request) (channels.Result, error) {
	var e event
	if err := channels.Decode(req.Body, &e); err != nil {
		return channels.Result{}, err
	}
	at := time.Time{}
	if ms, ok := e.Timestamp.Int(); ok && ms > 0 {
		at = channels.UnixMillis(ms)
	}
	switch {
	case e.EventName == "follow" || e.EventName == "unfollow":
		user := e.Follower.ID
		if user == "" {
			user = e.Sender.ID
		}
		if user == "" || e.Timestamp == "" {
			return channels.Result{}, nil
		}
		in := domain.Inbound{
			Provider:          Provider,
			Channel:           domain.ChannelZalo,
			Kind:              domain.KindStatus,
			ProviderMessageID: e.EventName + ":" + string(user) + ":" + string(e.Timestamp),
			Identities:        []domain.RawIdentity{{Kind: domain.KindZalo, Value: string(user)}},
			OccurredAt:        at,
			Metadata:          map[string]string{"event": e.EventName},
		}
		channels.SetIf(in.Metadata, "oaId", channels.FirstNonEmpty(string(e.OAID), string(e.Sender.ID)))
		channels.SetIf(in.Metadata, "source", e.Source)
		channels.SetIf(in.Metadata, "userIdByApp", string(e.UserIDByApp))
		return channels.Result{Messages: []domain.Inbound{in}}, nil

	case e.EventName == "user_submit_info":
		// The follower shared their Zalo account's phone with the OA: Zalo
		// vouches for both ids, so the phone links to the follower. It is
		// no request: a status touchpoint, no conversation.
		if e.Sender.ID == "" || e.Timestamp == "" {
			return channels.Result{}, channels.Invalid("Zalo user_submit_info without sender or timestamp")
		}
		in := domain.Inbound{
			Provider:          Provider,
			Channel:           domain.ChannelZalo,
			Kind:              domain.KindStatus,
			ProviderMessageID: e.EventName + ":" + string(e.Sender.ID) + ":" + string(e.Timestamp),
			Identities:        []domain.RawIdentity{{Kind: domain.KindZalo, Value: string(e.Sender.ID)}},
			ProfileName:       channels.Name(e.Info.Name),
			OccurredAt:        at,
			Metadata:          map[string]string{"event": e.EventName},
		}
		if p := strings.TrimSpace(string(e.Info.Phone)); p != "" {
			in.Identities = append(in.Identities, domain.RawIdentity{Kind: domain.KindPhone, Value: p, Proof: domain.ProofVerified})
			in.Text = "Shared phone " + p
		}
		channels.SetIf(in.Metadata, "oaId", string(e.Recipient.ID))
		channels.SetIf(in.Metadata, "userIdByApp", string(e.UserIDByApp))
		return channels.Result{Messages: []domain.Inbound{in}}, nil

	case e.EventName == "user_received_message" || e.EventName == "user_seen_message":
		st := domain.StatusDelivered
		if e.EventName == "user_seen_message" {
			st = domain.StatusRead
		}
		ids := e.Message.MsgIDs
		if len(ids) == 0 && e.Message.MsgID != "" {
			ids = []string{e.Message.MsgID}
		}
		var res channels.Result
		for _, id := range ids {
			if id != "" {
				res.Statuses = append(res.Statuses, domain.StatusUpdate{Provider: Provider, ProviderMessageID: id, Status: st, At: at})
			}
		}
		return res, nil

	case strings.HasPrefix(e.EventName, "user_send_"):
		if e.Sender.ID == "" || e.Message.MsgID == "" {
			return channels.Result{}, channels.Invalid("Zalo message without sender or msg_id")
		}
		in := domain.Inbound{
			Provider:          Provider,
			Channel:           domain.ChannelZalo,
			Kind:              domain.KindMessage,
			ProviderMessageID: e.Message.MsgID,
			Identities:        []domain.RawIdentity{{Kind: domain.KindZalo, Value: string(e.Sender.ID)}},
			OccurredAt:        at,
			Metadata:          map[string]string{"event": e.EventName},
		}
		channels.SetIf(in.Metadata, "oaId", string(e.Recipient.ID))
		channels.SetIf(in.Metadata, "userIdByApp", string(e.UserIDByApp))
		text := e.Message.Text
		for _, a := range e.Message.Attachments {
			p := a.Payload
			if c := p.Coordinates; c != nil {
				in.Metadata["latitude"], in.Metadata["longitude"] = string(c.Latitude), string(c.Longitude)
				if text == "" {
					text = "(" + string(c.Latitude) + ", " + string(c.Longitude) + ")"
				}
				continue
			}
			if p.URL == "" {
				continue
			}
			att := domain.Attachment{Name: p.Name, URL: p.URL, ContentType: contentType(a.Type, p.Type)}
			if n, err := strconv.ParseInt(string(p.Size), 10, 64); err == nil {
				att.Size = n
			}
			in.Attachments = append(in.Attachments, att)
		}
		in.Text = channels.Text(text)
		return channels.Result{Messages: []domain.Inbound{in}}, nil
	}
	return channels.Result{}, nil
}

func contentType(kind, fileType string) string {
	switch kind {
	case "image", "gif":
		return "image/*"
	case "audio", "voice":
		return "audio/*"
	case "video":
		return "video/*"
	case "sticker":
		return "image/*"
	case "file":
		if fileType == "pdf" {
			return "application/pdf"
		}
		return "application/octet-stream"
	}
	return ""
}
