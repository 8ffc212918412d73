package agentapi

import (
	"context"
	"errors"
	"net/url"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// identityBody names an identity in a request: {"kind", "value"}.
type identityBody struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// identityOf normalizes an identity an agent typed; a value that cannot be
// normalized is 400 naming the field.
func (a *API) identityOf(field string, b identityBody) (domain.Identity, error) {
	kind := domain.IdentityKind(b.Kind)
	if b.Kind == "" {
		return domain.Identity{}, domain.Errorf(domain.CodeInvalid, "%s.kind is required", field)
	}
	if _, ok := identityKinds[kind]; !ok {
		return domain.Identity{}, domain.Errorf(domain.CodeInvalid, "%s.kind must be one of phone, email, zalo, telegram, messenger, webchat, vonage", field)
	}
	id, err := a.Normalizer.Normalize(kind, b.Value)
	if err != nil {
		return domain.Identity{}, domain.Errorf(domain.CodeInvalid, "%s.value: %s", field, domain.ErrorMessage(err))
	}
	return id, nil
}

var identityKinds = map[domain.IdentityKind]bool{
	domain.KindPhone: true, domain.KindEmail: true, domain.KindZalo: true, domain.KindTelegram: true,
	domain.KindMessenger: true, domain.KindWebchat: true, domain.KindVonage: true, domain.KindWhatsApp: true,
}

// addIdentity links an identity an agent vouches for (proof: staff).
func (a *API) addIdentity(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	var body identityBody
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	ident, err := a.identityOf("identity", body)
	if err != nil {
		return reply{}, err
	}
	cu, err := a.Store.AddIdentity(ctx, id, ident)
	var owned *store.OwnedError
	if errors.As(err, &owned) {
		return reply{status: 409, body: map[string]any{"error": map[string]any{
			"code": domain.CodeConflict, "message": domain.ErrorMessage(err), "customerId": owned.CustomerID,
		}}}, nil
	}
	if err != nil {
		return reply{}, err
	}
	return created(customerView{Customer: cu}), nil
}

// removeIdentity unlinks a wrongly linked identity (supervisor).
func (a *API) removeIdentity(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	value := c.params["value"]
	if v, err := url.PathUnescape(value); err == nil {
		value = v
	}
	ident, err := a.identityOf("path", identityBody{Kind: c.params["kind"], Value: value})
	if err != nil {
		return reply{}, err
	}
	cu, note, err := a.Store.RemoveIdentity(ctx, id, ident, c.who.Subject)
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"customer": customerView{Customer: cu}, "note": note}), nil
}

// duplicates is the supervisors' queue of open suggestions, newest first.
func (a *API) duplicates(ctx context.Context, c *call) (reply, error) {
	q, err := query(c, "limit", "cursor")
	if err != nil {
		return reply{}, err
	}
	limit, err := limitParam(q, 25, 100)
	if err != nil {
		return reply{}, err
	}
	list, next, err := a.Store.OpenSuggestions(ctx, limit, q["cursor"])
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"items": list, "next": next}), nil
}

// dismissDuplicate closes a suggestion: the two customers are different people.
func (a *API) dismissDuplicate(ctx context.Context, c *call) (reply, error) {
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	sg, err := a.Store.CloseSuggestion(ctx, c.params["id"], store.SuggestionDismissed, c.who.Subject)
	if err != nil {
		return reply{}, err
	}
	return ok(sg), nil
}
