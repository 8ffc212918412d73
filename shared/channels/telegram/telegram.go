// Package telegram adapts Telegram Bot API webhooks (Update objects) posted to
// /webhooks/telegram.
package telegram

import (
	"strconv"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Provider is the provider name on every event this package produces.
const Provider = "telegram"

// SecretHeader carries the secret_token given to setWebhook.
const SecretHeader = "x-telegram-bot-api-secret-token"

// Verify checks that X-Telegram-Bot-Api-Secret-Token equals the secret the
// webhook was registered with. Telegram signs nothing else, so this shared
// secret is the whole proof that an update came from Telegram.
func Verify(req channels.Request, secret string) error {
	got := req.Header(SecretHeader)
	if got == "" {
		return channels.Forbidden("missing X-Telegram-Bot-Api-Secret-Token")
	}
	if secret == "" || !channels.Equal(got, secret) {
		return channels.Forbidden("wrong Telegram secret token")
	}
	return nil
}

type update struct {
	UpdateID      int64    `json:"update_id"`
	Message       *message `json:"message"`
	EditedMessage *message `json:"edited_message"`
}

type user struct {
	ID        channels.ID `json:"id"`
	IsBot     bool        `json:"is_bot"`
	FirstName string      `json:"first_name"`
	LastName  string      `json:"last_name"`
	Username  string      `json:"username"`
	Language  string      `json:"language_code"`
}

type file struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	MimeType string `json:"mime_type"`
	FileSize int64  `json:"file_size"`
}

type message struct {
	MessageID channels.ID `json:"message_id"`
	From      *user       `json:"from"`
	Chat      struct {
		ID   channels.ID `json:"id"`
		Type string      `json:"type"`
	} `json:"chat"`
	Date     int64  `json:"date"`
	EditDate int64  `json:"edit_date"`
	Text     string `json:"text"`
	Caption  string `json:"caption"`
	Photo    []file `json:"photo"`
	Document *file  `json:"document"`
	Voice    *file  `json:"voice"`
	Audio    *file  `json:"audio"`
	Video    *file  `json:"video"`
	Sticker  *struct {
		FileID string `json:"file_id"`
		Emoji  string `json:"emoji"`
	} `json:"sticker"`
	Contact *struct {
		PhoneNumber string      `json:"phone_number"`
		FirstName   string      `json:"first_name"`
		LastName    string      `json:"last_name"`
		UserID      channels.ID `json:"user_id"`
	} `json:"contact"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	} `json:"location"`
	ReplyTo *struct {
		MessageID channels.ID `json:"message_id"`
	} `json:"reply_to_message"`
}

// Parse reads one Update. A message or edited_message from a person becomes
// an Inbound; every other update type (callback queries, membership changes,
// channel posts without a sender, messages from bots) is acknowledged and
// left out.
//
// The dedup id is chat_id:message_id, not update_id: a message id is unique
// within its chat for good, while Telegram restarts update_id at a random
// value after a week without updates, so an old and a new update could share
// one. A redelivered update keeps its message id, so retries still dedupe. An
// edit is a new event on the timeline: chat_id:message_id:edit:edit_date.
func Parse(req channels.Request) (channels.Result, error) {
	var u update
	if err := channels.Decode(req.Body, &u); err != nil {
		return channels.Result{}, err
	}
	m, edited := u.Message, false
	if m == nil && u.EditedMessage != nil {
		m, edited = u.EditedMessage, true
	}
	if m == nil || m.From == nil || m.From.IsBot || m.From.ID == "" || m.Chat.ID == "" || m.MessageID == "" {
		return channels.Result{}, nil
	}
	id := string(m.Chat.ID) + ":" + string(m.MessageID)
	if edited {
		id += ":edit:" + strconv.FormatInt(m.EditDate, 10)
	}
	in := domain.Inbound{
		Provider:          Provider,
		Channel:           domain.ChannelTelegram,
		Kind:              domain.KindMessage,
		ProviderMessageID: id,
		Identities:        []domain.RawIdentity{{Kind: domain.KindTelegram, Value: string(m.From.ID)}},
		ProfileName:       channels.Name(m.From.FirstName + " " + m.From.LastName),
		Text:              channels.Text(channels.FirstNonBlank(m.Text, m.Caption)),
		Metadata:          map[string]string{"chatId": string(m.Chat.ID), "messageId": string(m.MessageID)},
	}
	if m.Date > 0 {
		in.OccurredAt = channels.UnixSeconds(m.Date)
	}
	if edited {
		in.Metadata["editOf"] = string(m.Chat.ID) + ":" + string(m.MessageID)
		if m.EditDate > 0 {
			in.OccurredAt = channels.UnixSeconds(m.EditDate)
		}
	}
	channels.SetIf(in.Metadata, "chatType", m.Chat.Type)
	channels.SetIf(in.Metadata, "username", m.From.Username)
	channels.SetIf(in.Metadata, "languageCode", m.From.Language)
	if m.ReplyTo != nil && m.ReplyTo.MessageID != "" {
		in.Metadata["replyTo"] = string(m.Chat.ID) + ":" + string(m.ReplyTo.MessageID)
	}
	// Telegram sends several sizes of one photo, smallest first; the last is
	// the original.
	if n := len(m.Photo); n > 0 {
		in.Attachments = append(in.Attachments, attachment(m.Photo[n-1], "image/jpeg"))
	}
	for _, f := range []*file{m.Document, m.Voice, m.Audio, m.Video} {
		if f != nil && f.FileID != "" {
			in.Attachments = append(in.Attachments, attachment(*f, f.MimeType))
		}
	}
	if m.Sticker != nil && m.Sticker.FileID != "" {
		in.Attachments = append(in.Attachments, domain.Attachment{URL: FileURL(m.Sticker.FileID), ContentType: "image/webp"})
		if in.Text == "" {
			in.Text = m.Sticker.Emoji
		}
	}
	if m.Location != nil {
		lat := strconv.FormatFloat(m.Location.Latitude, 'f', -1, 64)
		lon := strconv.FormatFloat(m.Location.Longitude, 'f', -1, 64)
		in.Metadata["latitude"], in.Metadata["longitude"] = lat, lon
		if in.Text == "" {
			in.Text = "(" + lat + ", " + lon + ")"
		}
	}
	if c := m.Contact; c != nil {
		// Only a contact card of the sender themself is their phone number;
		// a card of someone else is content, never an identity.
		if c.UserID != "" && c.UserID == m.From.ID && strings.TrimSpace(c.PhoneNumber) != "" {
			in.Identities = append(in.Identities, domain.RawIdentity{Kind: domain.KindPhone, Value: c.PhoneNumber, Proof: domain.ProofVerified})
		}
		if in.Text == "" {
			in.Text = channels.Name(c.FirstName + " " + c.LastName + " " + c.PhoneNumber)
		}
	}
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

// FileURL names a Telegram file. The download URL embeds the bot token, so we
// store the file id and resolve it with getFile when the file is needed.
func FileURL(fileID string) string { return "telegram:file/" + fileID }

func attachment(f file, contentType string) domain.Attachment {
	return domain.Attachment{Name: f.FileName, ContentType: channels.FirstNonBlank(f.MimeType, contentType), Size: f.FileSize, URL: FileURL(f.FileID)}
}
