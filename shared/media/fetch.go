// Package media downloads the files customers send on chat channels
// (WhatsApp, Messenger, Telegram, Zalo, Twilio, Vonage) into the attachments
// bucket, so an agent can open them. A file is fetched by the provider's
// own reference through the provider's API, never from an arbitrary URL a
// payload carries: each provider has a host allow-list, redirects are held
// to it, and the provider's credentials go only to the provider. A file is
// size-capped and its type checked before it is stored; one too large or of
// a type not taken stays a reference with a note. The download runs after
// the message is stored (a jobs.Media on the normal lane), so a slow or
// failing provider never holds a message up; a failure is recorded on the
// attachment and retried by the lane.
package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/telegram"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/outbound"
)

// Body is a file as a provider answers it, not yet read.
type Body struct {
	io.ReadCloser
	ContentType string
	// Size is the length the provider declared (Content-Length, or the
	// size its API reported), -1 when unknown.
	Size int64
}

// Error is a failed fetch. Permanent says a retry cannot help (the
// provider refused the reference: gone, expired, not ours).
type Error struct {
	Provider  string
	Status    int
	Permanent bool
	// Auth: the provider refused our credentials (401/403 or its own
	// auth error code), which the auth-failure alarm counts.
	Auth    bool
	Message string
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s media: HTTP %d: %s", e.Provider, e.Status, e.Message)
	}
	return e.Provider + " media: " + e.Message
}

// Fetcher opens the file an attachment of a provider's message names.
type Fetcher interface {
	Open(ctx context.Context, provider string, a domain.Attachment) (Body, error)
}

// Providers fetches media with the credentials of outbound.Config, the
// same ones replies are sent with.
type Providers struct {
	cfg    outbound.Config
	client *http.Client
	// extraHosts are hosts allowed for every provider besides its own:
	// the configured API bases (a sandbox in tests and the local stack).
	extraHosts []string
}

// New builds the fetcher. client's Timeout bounds one file; its redirects
// are held to the provider's hosts.
func New(cfg outbound.Config, client *http.Client) *Providers {
	cfg = cfg.WithDefaults()
	p := &Providers{cfg: cfg}
	for _, base := range []string{cfg.MetaGraphBase, cfg.TelegramAPIBase, cfg.TwilioAPIBase, cfg.ZaloAPIBase, cfg.VonageAPIBase} {
		if u, err := url.Parse(base); err == nil && u.Host != "" {
			p.extraHosts = append(p.extraHosts, u.Host)
		}
	}
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		prov, _ := req.Context().Value(providerKey{}).(string)
		if !p.allowed(prov, req.URL) {
			return fmt.Errorf("redirect to a host outside %s's allow-list", prov)
		}
		return nil
	}
	p.client = &c
	return p
}

type providerKey struct{}

// Hosts each provider serves media from. A host matches itself and, when
// written with a leading dot, any subdomain.
//   - Meta: WhatsApp's GET /{media-id} answers a short-lived URL on
//     lookaside.fbsbx.com; Messenger's attachment payload.url is on Meta's
//     CDN (scontent*.xx.fbcdn.net, cdn.fbsbx.com).
//   - Telegram: https://api.telegram.org/file/bot<token>/<file_path> after
//     getFile (core.telegram.org/bots/api#getfile).
//   - Twilio: MediaUrl{N} is https://api.twilio.com/2010-04-01/Accounts/
//     {AccountSid}/Messages/{MessageSid}/Media/{MediaSid}, answered with a
//     redirect to Twilio's media CDN.
//   - Zalo: attachment payload.url on Zalo's CDN (*.zadn.vn, *.zdn.vn).
//   - Vonage: image.url etc. is https://api[-region].nexmo.com/v3/media/<id>
//     (developer.vonage.com/messages/concepts/secure-inbound-media).
var providerHosts = map[string][]string{
	outbound.ProviderMeta:     {"graph.facebook.com", ".fbsbx.com", ".fbcdn.net"},
	outbound.ProviderTelegram: {"api.telegram.org"},
	outbound.ProviderTwilio:   {"api.twilio.com", ".twiliocdn.com", ".twilio.com"},
	outbound.ProviderZalo:     {".zadn.vn", ".zdn.vn", ".zalo.me"},
	outbound.ProviderVonage:   {".nexmo.com", ".vonage.com"},
}

// allowed says whether u may be fetched for provider: https on one of the
// provider's hosts, or the scheme and host of a configured API base.
func (p *Providers) allowed(provider string, u *url.URL) bool {
	if u == nil || u.User != nil || u.Host == "" {
		return false
	}
	for _, h := range p.extraHosts {
		if u.Host == h {
			return true
		}
	}
	if u.Scheme != "https" || u.Port() != "" {
		return false
	}
	return HostAllowed(provider, u.Hostname())
}

// HostAllowed says whether host is one provider serves media from.
func HostAllowed(provider, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range providerHosts[provider] {
		if host == strings.TrimPrefix(h, ".") || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h) {
			return true
		}
	}
	return false
}

// Open fetches the file a by its provider's reference.
func (p *Providers) Open(ctx context.Context, provider string, a domain.Attachment) (Body, error) {
	ctx = context.WithValue(ctx, providerKey{}, provider)
	switch {
	case strings.HasPrefix(a.URL, meta.MediaScheme) || strings.HasPrefix(a.URL, "https://graph.facebook.com/"):
		// The second form is what the WhatsApp parser stored before
		// references were typed.
		id := strings.TrimPrefix(strings.TrimPrefix(a.URL, meta.MediaScheme), "https://graph.facebook.com/")
		return p.whatsApp(ctx, id)
	case strings.HasPrefix(a.URL, telegram.FileURL("")):
		return p.telegram(ctx, strings.TrimPrefix(a.URL, telegram.FileURL("")))
	}
	u, err := url.Parse(a.URL)
	if err != nil || !p.allowed(provider, u) {
		return Body{}, &Error{Provider: provider, Permanent: true, Message: "the media URL is not on " + provider + "'s hosts"}
	}
	h := http.Header{}
	switch provider {
	case outbound.ProviderTwilio:
		// Only our own account's media on the API host we send through,
		// with our credentials (the CDN it redirects to is allow-listed).
		base, _ := url.Parse(p.cfg.TwilioAPIBase)
		if base == nil || u.Host != base.Host || p.cfg.TwilioAccountSID == "" || !strings.HasPrefix(u.Path, "/2010-04-01/Accounts/"+p.cfg.TwilioAccountSID+"/") {
			return Body{}, &Error{Provider: provider, Permanent: true, Message: "the media URL is not of this Twilio account"}
		}
		h.Set("Authorization", basicAuth(p.cfg.TwilioAccountSID, p.cfg.TwilioAuthToken))
	case outbound.ProviderVonage:
		if !strings.HasPrefix(u.Path, "/v3/media/") {
			return Body{}, &Error{Provider: provider, Permanent: true, Message: "the media URL is not a Vonage media URL"}
		}
	case outbound.ProviderMeta, outbound.ProviderZalo:
		// Messenger's CDN and Zalo's serve the file by its signed URL.
	default:
		return Body{}, &Error{Provider: provider, Permanent: true, Message: "no media download for this provider"}
	}
	return p.get(ctx, provider, u.String(), h, -1)
}

// whatsApp resolves a Cloud API media id: GET /{version}/{media-id} with
// the access token answers {url, mime_type, sha256, file_size, id}; the
// url (valid for minutes) is then fetched with the same token
// (developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
func (p *Providers) whatsApp(ctx context.Context, id string) (Body, error) {
	const prov = outbound.ProviderMeta
	if p.cfg.MetaAccessToken == "" {
		return Body{}, &Error{Provider: prov, Message: "META_ACCESS_TOKEN is not configured"}
	}
	if id == "" || strings.ContainsAny(id, "/?#") {
		return Body{}, &Error{Provider: prov, Permanent: true, Message: "malformed media id"}
	}
	h := http.Header{"Authorization": {"Bearer " + p.cfg.MetaAccessToken}}
	var info struct {
		URL      string          `json:"url"`
		MimeType string          `json:"mime_type"`
		FileSize json.RawMessage `json:"file_size"`
	}
	if err := p.getJSON(ctx, prov, strings.TrimRight(p.cfg.MetaGraphBase, "/")+"/"+url.PathEscape(p.cfg.MetaGraphVersion)+"/"+url.PathEscape(id), h, &info); err != nil {
		return Body{}, err
	}
	u, err := url.Parse(info.URL)
	if err != nil || !p.allowed(prov, u) {
		return Body{}, &Error{Provider: prov, Permanent: true, Message: "the media URL Meta answered is not on Meta's hosts"}
	}
	size, _ := strconv.ParseInt(strings.Trim(string(info.FileSize), `"`), 10, 64)
	if size <= 0 {
		size = -1
	}
	return p.get(ctx, prov, u.String(), h, size)
}

// telegram resolves a file id: getFile answers the file's path and size,
// and the file is at /file/bot<token>/<file_path>
// (core.telegram.org/bots/api#getfile; bots may download up to 20 MB).
func (p *Providers) telegram(ctx context.Context, fileID string) (Body, error) {
	const prov = outbound.ProviderTelegram
	if p.cfg.TelegramBotToken == "" {
		return Body{}, &Error{Provider: prov, Message: "TELEGRAM_BOT_TOKEN is not configured"}
	}
	base := strings.TrimRight(p.cfg.TelegramAPIBase, "/")
	var out struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Result      struct {
			FileSize int64  `json:"file_size"`
			FilePath string `json:"file_path"`
		} `json:"result"`
	}
	endpoint := base + "/bot" + p.cfg.TelegramBotToken + "/getFile?file_id=" + url.QueryEscape(fileID)
	if err := p.getJSON(ctx, prov, endpoint, nil, &out); err != nil {
		return Body{}, err
	}
	if !out.OK || out.Result.FilePath == "" || strings.Contains(out.Result.FilePath, "..") {
		return Body{}, &Error{Provider: prov, Permanent: true, Message: "getFile answered no file path"}
	}
	size := out.Result.FileSize
	if size <= 0 {
		size = -1
	}
	return p.get(ctx, prov, base+"/file/bot"+p.cfg.TelegramBotToken+"/"+out.Result.FilePath, nil, size)
}

func (p *Providers) getJSON(ctx context.Context, provider, endpoint string, h http.Header, v any) error {
	b, err := p.get(ctx, provider, endpoint, h, -1)
	if err != nil {
		return err
	}
	defer b.Close()
	raw, err := io.ReadAll(io.LimitReader(b, 1<<20))
	if err != nil {
		return &Error{Provider: provider, Message: "answer cut short"}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &Error{Provider: provider, Message: "unreadable answer"}
	}
	return nil
}

// get opens endpoint. A non-2xx answer is an *Error: 4xx but 401, 403,
// 408 and 429 is permanent (the reference is gone or not ours); 401/403 is
// an authorization failure.
func (p *Providers) get(ctx context.Context, provider, endpoint string, h http.Header, declared int64) (Body, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return Body{}, &Error{Provider: provider, Permanent: true, Message: "cannot build the request"}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := p.client.Do(req)
	if err != nil {
		// The URL may hold a token (Telegram's path): keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Body{}, &Error{Provider: provider, Message: "no response: " + err.Error()}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		s := resp.StatusCode
		auth := s == 401 || s == 403
		// Refused credentials are retried: the alarm fires and someone
		// fixes the token while the lane still holds the job.
		return Body{}, &Error{Provider: provider, Status: s, Auth: auth,
			Permanent: s >= 400 && s < 500 && s != 408 && s != 429 && !auth, Message: http.StatusText(s)}
	}
	size := resp.ContentLength
	if size < 0 {
		size = declared
	}
	return Body{ReadCloser: resp.Body, ContentType: resp.Header.Get("Content-Type"), Size: size}, nil
}

func basicAuth(user, pass string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}
