package agentapi

import (
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/teams"
	"github.com/concierge-cx/concierge/shared/tokens"
)

// Config is the agentapi function's environment.
type Config struct {
	// Settings' DefaultTeam is the queue of view=unassigned when the agent
	// names no team and has none configured.
	stage.Settings
	// SupervisorTeam receives the follow-ups a low satisfaction score opens.
	SupervisorTeam string `env:"SUPERVISOR_TEAM" default:"supervisors"`
	// FeedbackLinkBase, when set, ends the survey message with
	// <base>/<token>: a page of the business's site that POSTs the score to
	// /feedback/{token}. Without it the customer answers with a bare digit.
	FeedbackLinkBase string        `env:"FEEDBACK_LINK_BASE"`
	FeedbackTTL      time.Duration `env:"FEEDBACK_TTL" default:"168h"`
	// SLAPolicy seeds the default team's SLA policy while it has no item
	// (the router and the sweeper read the same variable).
	SLAPolicy string `env:"SLA_POLICY"`
	// DefaultAgentCapacity is what an agent provisioned on first sign-in
	// gets, with the stage's DefaultTeam and DefaultLanguages.
	DefaultAgentCapacity int `env:"DEFAULT_AGENT_CAPACITY" default:"3"`
	// AttachmentsBucket holds the files taken out of mail and messages
	// (email.Attachments); staff download them by signed links. Empty on a
	// stage that stores none (no email): every such download is refused.
	AttachmentsBucket string `env:"ATTACHMENTS_BUCKET"`
	// Loyalty: the business currency, rates, tier thresholds, sale stage.
	Loyalty loyalty.Config
	// PublicBaseURL is where Twilio fetches the TwiML of a click-to-call
	// and posts its status (the webhooks' base URL); empty: no click-to-call.
	PublicBaseURL string `env:"PUBLIC_BASE_URL"`
	// RawMailBucket holds inbound mail as SES stored it: an export links
	// to it and an erasure deletes from it.
	RawMailBucket string `env:"RAW_MAIL_BUCKET"`
	// OutreachZNSTemplate is the approved Zalo ZNS template a win-back
	// outreach on Zalo goes as.
	OutreachZNSTemplate string `env:"OUTREACH_ZNS_TEMPLATE"`
}

// DefaultTeamFromEnv is the default team as the environment describes it.
func (c Config) DefaultTeamFromEnv() (teams.Team, error) {
	c = c.withDefaults()
	langs, err := teams.ParseLanguages(strings.Join(c.DefaultLanguages, ","))
	if err != nil {
		return teams.Team{}, err
	}
	return teams.FromEnv(c.DefaultTeam, c.SLAPolicy, langs)
}

func (c Config) withDefaults() Config {
	if c.DefaultTeam == "" {
		c.DefaultTeam = stage.DefaultTeam
	}
	if c.SupervisorTeam == "" {
		c.SupervisorTeam = "supervisors"
	}
	if len(c.DefaultLanguages) == 0 {
		c.DefaultLanguages = []string{"vi", "en"}
	}
	if c.DefaultAgentCapacity <= 0 {
		c.DefaultAgentCapacity = 3
	}
	if c.FeedbackTTL <= 0 {
		c.FeedbackTTL = 7 * 24 * time.Hour
	}
	return c
}

// FunctionConfig is the agentapi function's whole environment: the API's own
// settings, the channel senders (replies, surveys) and the notification
// webhook (follow-ups). The CDK stack derives the function's environment
// from it.
type FunctionConfig struct {
	API    Config
	Send   outbound.Config
	Notify notify.Config
	// ZaloTokens: where Zalo replies read the renewed OA access token.
	ZaloTokens tokens.Config
}
