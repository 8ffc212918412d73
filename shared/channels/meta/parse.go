package meta

import (
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

type envelope struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID        channels.ID `json:"id"`
	Changes   []change    `json:"changes"`
	Messaging []messaging `json:"messaging"`
}

type change struct {
	Field string  `json:"field"`
	Value waValue `json:"value"`
}

type waValue struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts"`
	Messages []waMessage `json:"messages"`
	Statuses []waStatus  `json:"statuses"`
}

type waMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waMessage struct {
	From      string      `json:"from"`
	ID        string      `json:"id"`
	Timestamp channels.ID `json:"timestamp"`
	Type      string      `json:"type"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *waMedia `json:"image"`
	Audio    *waMedia `json:"audio"`
	Video    *waMedia `json:"video"`
	Document *waMedia `json:"document"`
	Sticker  *waMedia `json:"sticker"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Text    string `json:"text"`
		Payload string `json:"payload"`
	} `json:"button"`
	Reaction *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	Context *struct {
		ID string `json:"id"`
	} `json:"context"`
}

type waStatus struct {
	ID          string      `json:"id"`
	Status      string      `json:"status"`
	Timestamp   channels.ID `json:"timestamp"`
	RecipientID string      `json:"recipient_id"`
	Errors      []struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"errors"`
}

type messaging struct {
	Sender struct {
		ID channels.ID `json:"id"`
	} `json:"sender"`
	Recipient struct {
		ID channels.ID `json:"id"`
	} `json:"recipient"`
	Timestamp channels.ID `json:"timestamp"`
	Message   *struct {
		Mid         string `json:"mid"`
		Text        string `json:"text"`
		IsEcho      bool   `json:"is_echo"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload struct {
				URL string `json:"url"`
			} `json:"payload"`
		} `json:"attachments"`
		QuickReply *struct {
			Payload string `json:"payload"`
		} `json:"quick_reply"`
		ReplyTo *struct {
			Mid string `json:"mid"`
		} `json:"reply_to"`
	} `json:"message"`
	Delivery *struct {
		Mids      []string    `json:"mids"`
		Watermark channels.ID `json:"watermark"`
	} `json:"delivery"`
	Postback *struct {
		Mid     string `json:"mid"`
		Title   string `json:"title"`
		Payload string `json:"payload"`
	} `json:"postback"`
}

// Parse reads a POST /webhooks/meta delivery. One delivery may batch several
// entries and changes; every customer message becomes an Inbound and every
// status of a message we sent a StatusUpdate. Objects other than WhatsApp and
// Messenger, our own echoes, Messenger read receipts (they name no message)
// and entries without an id or sender are acknowledged and left out, so that
// one odd item never makes Meta redeliver the whole batch.
func Parse(req channels.Request) (channels.Result, error) {
	var env envelope
	if err := channels.Decode(req.Body, &env); err != nil {
		return channels.Result{}, err
	}
	var res channels.Result
	switch env.Object {
	case "whatsapp_business_account":
		for _, e := range env.Entry {
			for _, c := range e.Changes {
				if c.Field != "" && c.Field != "messages" {
					continue
				}
				parseWhatsApp(c.Value, string(e.ID), &res)
			}
		}
	case "page":
		for _, e := range env.Entry {
			for _, m := range e.Messaging {
				parseMessenger(m, string(e.ID), &res)
			}
		}
	}
	return res, nil
}

func parseWhatsApp(v waValue, wabaID string, res *channels.Result) {
	names := map[string]string{}
	for _, c := range v.Contacts {
		names[c.WaID] = c.Profile.Name
	}
	for _, m := range v.Messages {
		if m.ID == "" || strings.TrimSpace(m.From) == "" {
			continue
		}
		in := domain.Inbound{
			Provider:          Provider,
			Channel:           domain.ChannelWhatsApp,
			Kind:              domain.KindMessage,
			ProviderMessageID: m.ID,
			Identities:        []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: m.From}},
			ProfileName:       channels.Name(names[m.From]),
			OccurredAt:        seconds(m.Timestamp),
			Metadata:          map[string]string{"type": m.Type},
		}
		channels.SetIf(in.Metadata, "phoneNumberId", v.Metadata.PhoneNumberID)
		channels.SetIf(in.Metadata, "displayPhoneNumber", v.Metadata.DisplayPhoneNumber)
		channels.SetIf(in.Metadata, "wabaId", wabaID)
		if m.Context != nil {
			channels.SetIf(in.Metadata, "replyTo", m.Context.ID)
		}
		var text string
		switch {
		case m.Text != nil:
			text = m.Text.Body
		case m.Location != nil:
			l := m.Location
			lat := strconv.FormatFloat(l.Latitude, 'f', -1, 64)
			lon := strconv.FormatFloat(l.Longitude, 'f', -1, 64)
			in.Metadata["latitude"], in.Metadata["longitude"] = lat, lon
			text = strings.TrimSpace(strings.Join(nonEmpty(l.Name, l.Address), ", ") + " (" + lat + ", " + lon + ")")
		case m.Interactive != nil && m.Interactive.ButtonReply != nil:
			text = m.Interactive.ButtonReply.Title
			channels.SetIf(in.Metadata, "replyId", m.Interactive.ButtonReply.ID)
		case m.Interactive != nil && m.Interactive.ListReply != nil:
			text = m.Interactive.ListReply.Title
			channels.SetIf(in.Metadata, "replyId", m.Interactive.ListReply.ID)
		case m.Button != nil:
			text = m.Button.Text
			channels.SetIf(in.Metadata, "payload", m.Button.Payload)
		case m.Reaction != nil:
			text = m.Reaction.Emoji
			channels.SetIf(in.Metadata, "reactionTo", m.Reaction.MessageID)
		}
		for _, md := range []*waMedia{m.Image, m.Audio, m.Video, m.Document, m.Sticker} {
			if md == nil || md.ID == "" {
				continue
			}
			if text == "" {
				text = md.Caption
			}
			in.Attachments = append(in.Attachments, domain.Attachment{
				Name:        md.Filename,
				ContentType: md.MimeType,
				URL:         MediaURL(md.ID),
			})
		}
		in.Text = channels.Text(text)
		res.Messages = append(res.Messages, in)
	}
	for _, s := range v.Statuses {
		st, ok := waStatuses[s.Status]
		if !ok || s.ID == "" {
			continue
		}
		u := domain.StatusUpdate{Provider: Provider, ProviderMessageID: s.ID, Status: st, At: seconds(s.Timestamp)}
		if len(s.Errors) > 0 {
			e := s.Errors[0]
			msg := e.Title
			if e.ErrorData.Details != "" {
				msg += ": " + e.ErrorData.Details
			} else if e.Message != "" && e.Message != e.Title {
				msg += ": " + e.Message
			}
			u.Error = strings.TrimSpace(strconv.Itoa(e.Code) + " " + msg)
		}
		res.Statuses = append(res.Statuses, u)
	}
}

var waStatuses = map[string]domain.DeliveryStatus{
	"sent":      domain.StatusSent,
	"delivered": domain.StatusDelivered,
	"read":      domain.StatusRead,
	"failed":    domain.StatusFailed,
}

// MediaURL names a WhatsApp media object by its id, a typed reference that
// shared/media resolves. Its bytes are fetched in two steps with the access
// token (GET the media id for a short-lived URL, then GET that URL), so no
// download link is stored.
func MediaURL(mediaID string) string { return MediaScheme + mediaID }

// MediaScheme prefixes a WhatsApp Cloud API media id on an attachment.
const MediaScheme = "whatsapp:media/"

func parseMessenger(m messaging, pageID string, res *channels.Result) {
	sender := string(m.Sender.ID)
	at := millis(m.Timestamp)
	if m.Delivery != nil {
		for _, mid := range m.Delivery.Mids {
			if mid != "" {
				res.Statuses = append(res.Statuses, domain.StatusUpdate{Provider: Provider, ProviderMessageID: mid, Status: domain.StatusDelivered, At: firstTime(millis(m.Delivery.Watermark), at)})
			}
		}
		return
	}
	if sender == "" {
		return
	}
	in := domain.Inbound{
		Provider:   Provider,
		Channel:    domain.ChannelMessenger,
		Kind:       domain.KindMessage,
		Identities: []domain.RawIdentity{{Kind: domain.KindMessenger, Value: sender}},
		OccurredAt: at,
		Metadata:   map[string]string{},
	}
	channels.SetIf(in.Metadata, "pageId", channels.FirstNonEmpty(string(m.Recipient.ID), pageID))
	switch {
	case m.Message != nil:
		if m.Message.IsEcho || m.Message.Mid == "" {
			return
		}
		in.ProviderMessageID = m.Message.Mid
		in.Text = channels.Text(m.Message.Text)
		if m.Message.QuickReply != nil {
			channels.SetIf(in.Metadata, "payload", m.Message.QuickReply.Payload)
		}
		if m.Message.ReplyTo != nil {
			channels.SetIf(in.Metadata, "replyTo", m.Message.ReplyTo.Mid)
		}
		for _, a := range m.Message.Attachments {
			if a.Payload.URL == "" {
				continue
			}
			in.Attachments = append(in.Attachments, domain.Attachment{ContentType: messengerTypes[a.Type], URL: a.Payload.URL})
		}
	case m.Postback != nil:
		// A button tap reads, on the timeline, like the customer typing its title.
		in.ProviderMessageID = m.Postback.Mid
		if in.ProviderMessageID == "" {
			in.ProviderMessageID = "postback:" + sender + ":" + string(m.Timestamp)
		}
		in.Text = channels.Text(m.Postback.Title)
		channels.SetIf(in.Metadata, "payload", m.Postback.Payload)
	default:
		return
	}
	res.Messages = append(res.Messages, in)
}

var messengerTypes = map[string]string{
	"image": "image/*", "video": "video/*", "audio": "audio/*", "file": "application/octet-stream",
}

func seconds(id channels.ID) (t time.Time) {
	if n, ok := id.Int(); ok && n > 0 {
		return channels.UnixSeconds(n)
	}
	return t
}

func millis(id channels.ID) (t time.Time) {
	if n, ok := id.Int(); ok && n > 0 {
		return channels.UnixMillis(n)
	}
	return t
}

func firstTime(ts ...time.Time) (t time.Time) {
	for _, x := range ts {
		if !x.IsZero() {
			return x
		}
	}
	return t
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
