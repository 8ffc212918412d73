package agentapi

import (
	"context"

	"github.com/concierge-cx/concierge/shared/domain"
)

func (a *API) setStatus(ctx context.Context, c *call) (reply, error) {
	var body struct {
		Status string `json:"status"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	ag, err := a.Store.SetAgentStatus(ctx, c.who.Subject, body.Status)
	if err != nil {
		return reply{}, err
	}
	// Becoming available pulls waiting work into the agent's free slots.
	var pulled []string
	if ag.Status == domain.AgentAvailable && a.Router != nil {
		got, err := a.Router.Pull(ctx, ag.ID)
		if err != nil {
			return reply{}, err
		}
		for _, g := range got {
			pulled = append(pulled, g.ID)
		}
		if len(got) > 0 {
			if ag, err = a.Store.GetAgent(ctx, ag.ID); err != nil {
				return reply{}, err
			}
		}
	}
	return ok(map[string]any{"agent": ag, "pulled": nonNil(pulled)}), nil
}
