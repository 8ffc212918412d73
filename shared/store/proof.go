package store

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Claim is an identity the event names but does not prove: it is looked up
// (in the same BatchGetItem as the sender) and becomes evidence for a
// possible-duplicate suggestion on its owner, never a link.
type Claim struct {
	Identity domain.Identity
	Source   string // domain.ClaimReplyTo, ClaimTyped, ClaimBody, ClaimUnverified
}

// Reason is the evidence a suggestion shows for a claim.
func (c Claim) Reason() string {
	return fmt.Sprintf("%s %s %s", c.Source, c.Identity.Kind, c.Identity.Value)
}

// proofSet appends to a SET/ADD update expression the proof of each key in
// the profile's identityProof map: SET on the map's entries when the map
// exists, else the whole map (a profile written before proofs were recorded).
func proofSet(expr *string, names map[string]string, vals map[string]types.AttributeValue, mapExists bool, keys []string, p domain.Proof) {
	var parts []string
	if mapExists {
		names["#ip"] = "identityProof"
		for i, k := range keys {
			n, v := "#ipk"+strconv.Itoa(i), ":ipv"+strconv.Itoa(i)
			names[n] = k
			vals[v] = &types.AttributeValueMemberS{Value: string(p)}
			parts = append(parts, "#ip."+n+" = "+v)
		}
	} else {
		m := map[string]types.AttributeValue{}
		for _, k := range keys {
			m[k] = &types.AttributeValueMemberS{Value: string(p)}
		}
		names["#ip"] = "identityProof"
		vals[":ipm"] = &types.AttributeValueMemberM{Value: m}
		parts = append(parts, "#ip = :ipm")
	}
	if len(parts) == 0 {
		return
	}
	// The expression starts with "SET ..."; insert before any " ADD " clause.
	if i := strings.Index(*expr, " ADD "); i >= 0 {
		*expr = (*expr)[:i] + ", " + strings.Join(parts, ", ") + (*expr)[i:]
		return
	}
	*expr += ", " + strings.Join(parts, ", ")
}

// sharedReasons explains why other may be the same person: the verified
// identities of this event it already owns.
func (lk lookup) sharedReasons(ids []domain.Identity, other string) []string {
	var out []string
	for _, id := range ids {
		if lk.owners[id.Key()] == other {
			out = append(out, "verified "+string(id.Kind)+" "+id.Value)
		}
	}
	return out
}

// claimReasons groups the claims by the customer that owns them, other
// than self: the suggestions this event makes.
func (lk lookup) claimReasons(claims []Claim, self string) map[string][]string {
	out := map[string][]string{}
	for _, c := range claims {
		if o := lk.owners[c.Identity.Key()]; o != "" && o != self {
			out[o] = append(out[o], c.Reason())
		}
	}
	return out
}
