package agentapi

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Roles are Cognito groups.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RolePartner    = "partner"
	// RoleService is a machine caller (an order system recording purchases):
	// a Cognito group given to a service user, or the scope of a client-
	// credentials token ("<resource server>/service").
	RoleService = "service"
)

// Claim names the function reads from the JWT authorizer's context. The
// partner id is a Cognito custom attribute, which Cognito puts in id tokens
// as "custom:partner_id".
const (
	ClaimSubject   = "sub"
	ClaimGroups    = "cognito:groups"
	ClaimPartnerID = "custom:partner_id"
	ClaimScope     = "scope"
	// Profile claims Cognito puts in id tokens when the user has them; a
	// provisioned agent's name and email come from them.
	ClaimName     = "name"
	ClaimEmail    = "email"
	ClaimUsername = "cognito:username"
)

// principal is the caller as the authorizer vouched for them.
type principal struct {
	Subject   string
	Roles     map[string]bool
	PartnerID string
	Name      string // display name for a provisioned agent: name, else username, else email, else sub
	Email     string
}

// staff: agents and supervisors see everything but supervisor-only routes.
func (p principal) staff() bool      { return p.Roles[RoleAgent] || p.Roles[RoleSupervisor] }
func (p principal) supervisor() bool { return p.Roles[RoleSupervisor] }

// service is a machine caller with no staff role.
func (p principal) service() bool { return !p.staff() && p.Roles[RoleService] }

// partner is a caller with the partner role and no staff role: a staff
// member who is also in the partner group keeps the staff view.
func (p principal) partner() bool { return !p.staff() && p.Roles[RolePartner] && p.PartnerID != "" }

// principalOf reads the claims API Gateway's JWT authorizer put on the
// request. Tokens are never parsed here: the gateway has already refused
// missing, forged and expired ones with 401.
func principalOf(req events.APIGatewayV2HTTPRequest) (principal, error) {
	a := req.RequestContext.Authorizer
	if a == nil || a.JWT == nil || a.JWT.Claims[ClaimSubject] == "" {
		return principal{}, domain.Errorf(domain.CodeUnauthorized, "a bearer token is required")
	}
	c := a.JWT.Claims
	p := principal{Subject: c[ClaimSubject], Roles: map[string]bool{}, PartnerID: strings.TrimSpace(c[ClaimPartnerID])}
	for _, g := range parseGroups(c[ClaimGroups]) {
		p.Roles[g] = true
	}
	// A client-credentials token has no user and no groups: its scope
	// "<resource server>/service" makes it a service caller.
	for _, sc := range strings.Fields(c[ClaimScope]) {
		if strings.HasSuffix(sc, "/"+RoleService) {
			p.Roles[RoleService] = true
		}
	}
	p.Email = strings.TrimSpace(c[ClaimEmail])
	for _, n := range []string{c[ClaimName], c[ClaimUsername], p.Email, p.Subject} {
		if n = strings.TrimSpace(n); n != "" {
			p.Name = n
			break
		}
	}
	return p, nil
}

// parseGroups accepts the forms a list claim reaches a function in: API
// Gateway's rendering "[agent supervisor]", a JSON array, or a comma list.
func parseGroups(raw string) []string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	var list []string
	if strings.HasPrefix(raw, "[\"") && json.Unmarshal([]byte(raw), &list) == nil {
		return list
	}
	raw = strings.TrimSuffix(strings.TrimPrefix(raw, "["), "]")
	return strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' })
}
