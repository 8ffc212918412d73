package agentapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

type fixture struct {
	e     *env
	phone atomic.Int64
}

// customer makes a fresh customer with an open, unassigned conversation,
// tagged for a partner.
func (f *fixture) customer(t *testing.T, tags ...string) (customerID, convID string) {
	t.Helper()
	n := f.phone.Add(1)
	out := f.e.inbound(t, fmt.Sprintf("09130%05d", n), fmt.Sprint("wamid.fx", n), "Cho mình hỏi đơn hàng")
	if len(tags) > 0 {
		cu, err := f.e.st.GetCustomer(context.Background(), out.Job.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		notes := "Khách khó tính, hay đổi ý"
		if _, err := f.e.st.UpdateProfile(context.Background(), cu.ID, cu.Version, store.ProfilePatch{Tags: &tags, Notes: &notes}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Job.CustomerID, out.Job.ConversationID
}

type request struct{ method, path, body string }

func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	f := &fixture{e: e}
	ctx := context.Background()
	agent := e.agent(t, "agent-matrix", "vip")
	sup := e.supervisor(t, "sup-matrix")
	for _, id := range []string{"agent-matrix", "sup-matrix"} {
		if _, err := e.st.PutAgent(ctx, domain.Agent{ID: id, Name: id, Teams: []string{"vip"}, MaxConcurrent: 500, Status: domain.AgentAvailable}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.CreateTeam(ctx, teams.Team{ID: "vip", Name: "VIP", SLA: sla.DefaultPolicy()}); err != nil {
		t.Fatal(err)
	}
	var made atomic.Int64
	freshAgent := func() string {
		id := fmt.Sprint("agent-fresh-", made.Add(1))
		if _, err := e.st.CreateAgent(ctx, domain.Agent{ID: id, Name: id, Teams: []string{"support"}, MaxConcurrent: 2}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	forged, _ := devjwt.Mint("not-the-secret", "agent-matrix", []string{"agent"}, nil, e.clk.now(), time.Hour)
	expired, _ := devjwt.Mint(jwtSecret, "agent-matrix", []string{"agent"}, nil, e.clk.now().Add(-2*time.Hour), time.Hour)
	principals := []struct {
		name, token string
		partnerTag  string // the tag of the customer the request is about
	}{
		{"no token", "", "partner:p1"},
		{"bad signature", forged, "partner:p1"},
		{"expired", expired, "partner:p1"},
		{"agent", agent, "partner:p1"},
		{"supervisor", sup, "partner:p1"},
		{"partner own", e.partner(t, "p1"), "partner:p1"},
		{"partner other's", e.partner(t, "p1"), "partner:p2"},
	}
	// build makes a request that succeeds for a caller allowed to make it.
	build := map[string]func(tag string) request{
		"GET /customers": func(string) request { return request{"GET", "/customers?phone=0913000001", ""} },
		"GET /customers/{id}": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"GET", "/customers/" + c, ""}
		},
		"PATCH /customers/{id}": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"PATCH", "/customers/" + c, `{"language":"vi"}`}
		},
		"GET /customers/{id}/timeline": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"GET", "/customers/" + c + "/timeline?limit=5", ""}
		},
		"GET /customers/{id}/touchpoints/{touchpointId}/attachments/{index}": func(tag string) request {
			c, _ := f.customer(t, tag)
			cu, err := e.st.GetCustomer(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			// A provider's https media link: allowed staff get it back as is.
			out, err := e.ing.Ingest(ctx, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
				ProviderMessageID: fmt.Sprint("wamid.att", f.phone.Add(1)), Identities: []domain.RawIdentity{{Kind: cu.Identities[0].Kind, Value: cu.Identities[0].Value}},
				Attachments: []domain.Attachment{{Name: "photo.jpg", URL: "https://media.provider.example/photo.jpg"}}, OccurredAt: e.clk.now()})
			if err != nil {
				t.Fatal(err)
			}
			return request{"GET", "/customers/" + c + "/touchpoints/" + out.Touchpoint.ID + "/attachments/0", ""}
		},
		"POST /customers/{id}/merge": func(tag string) request {
			c, _ := f.customer(t, tag)
			src, _ := f.customer(t)
			return request{"POST", "/customers/" + c + "/merge", fmt.Sprintf(`{"sourceId":%q}`, src)}
		},
		"GET /conversations": func(string) request { return request{"GET", "/conversations?view=unassigned&team=support", ""} },
		"GET /conversations/{id}": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"GET", "/conversations/" + v, ""}
		},
		"POST /conversations/{id}/claim": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/claim", ""}
		},
		"POST /conversations/{id}/assign": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/assign", `{"agentId":"agent-matrix"}`}
		},
		"POST /conversations/{id}/messages": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/messages", `{"text":"Dạ em kiểm tra ngay ạ"}`}
		},
		"POST /conversations/{id}/notes": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/notes", `{"text":"gọi lại sau 5 giờ"}`}
		},
		"POST /conversations/{id}/resolve": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/resolve", ""}
		},
		"POST /conversations/{id}/call": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/call", ""}
		},
		"POST /feedback/{token}": func(string) request { return request{"POST", "/feedback/AAAAAAAAAAAAAAAAAAAAAA", `{"score":4}`} },
		"PUT /agents/me/status":  func(string) request { return request{"PUT", "/agents/me/status", `{"status":"available"}`} },
		"GET /metrics":           func(string) request { return request{"GET", "/metrics?from=2026-11-01&to=2026-11-20", ""} },
		"GET /agents":            func(string) request { return request{"GET", "/agents?team=vip", ""} },
		"POST /agents": func(string) request {
			return request{"POST", "/agents", fmt.Sprintf(`{"id":"agent-new-%d","name":"Hoa","teams":["vip"],"languages":["vi"],"capacity":2}`, made.Add(1))}
		},
		"GET /agents/me":   func(string) request { return request{"GET", "/agents/me", ""} },
		"GET /agents/{id}": func(string) request { return request{"GET", "/agents/agent-matrix", ""} },
		"PATCH /agents/{id}": func(string) request {
			return request{"PATCH", "/agents/" + freshAgent(), `{"capacity":4,"skills":["refunds"]}`}
		},
		"DELETE /agents/{id}": func(string) request { return request{"DELETE", "/agents/" + freshAgent(), ""} },
		"GET /teams":          func(string) request { return request{"GET", "/teams", ""} },
		"GET /teams/{id}":     func(string) request { return request{"GET", "/teams/support", ""} },
		"PUT /teams/{id}": func(string) request {
			return request{"PUT", fmt.Sprint("/teams/team-", made.Add(1)), `{"name":"Hoàn tiền","languages":["vi"]}`}
		},
		"POST /conversations/{id}/transfer": func(tag string) request {
			_, v := f.customer(t, tag)
			return request{"POST", "/conversations/" + v + "/transfer", `{"team":"vip"}`}
		},
		"POST /customers/{id}/identities": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"POST", "/customers/" + c + "/identities", fmt.Sprintf(`{"kind":"email","value":"m%d@example.com"}`, f.phone.Add(1))}
		},
		"DELETE /customers/{id}/identities/{kind}/{value}": func(tag string) request {
			c, _ := f.customer(t, tag)
			addr := fmt.Sprintf("d%d@example.com", f.phone.Add(1))
			if _, err := e.st.AddIdentity(ctx, c, domain.Identity{Kind: domain.KindEmail, Value: addr}); err != nil {
				t.Fatal(err)
			}
			return request{"DELETE", "/customers/" + c + "/identities/email/" + addr, ""}
		},
		"GET /duplicates": func(string) request { return request{"GET", "/duplicates?limit=5", ""} },
		"POST /duplicates/{id}/dismiss": func(tag string) request {
			a, _ := f.customer(t, tag)
			b, _ := f.customer(t)
			if err := e.st.Suggest(ctx, a, b, []string{"same name Lan"}); err != nil {
				t.Fatal(err)
			}
			return request{"POST", "/duplicates/" + store.SuggestionID(a, b) + "/dismiss", ""}
		},
		"POST /customers/{id}/purchases": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"POST", "/customers/" + c + "/purchases", fmt.Sprintf(`{"orderId":"M-%d","amount":"150000"}`, made.Add(1))}
		},
		"POST /customers/{id}/purchases/{orderId}/refund": func(tag string) request {
			c, _ := f.customer(t, tag)
			if _, err := e.st.RecordPurchase(ctx, store.Purchase{CustomerID: c, OrderID: "R-" + c, Amount: 90000, Currency: "VND", Value: 90000}); err != nil {
				t.Fatal(err)
			}
			return request{"POST", "/customers/" + c + "/purchases/R-" + c + "/refund", `{"reason":"late"}`}
		},
		"POST /tiers/recompute": func(string) request { return request{"POST", "/tiers/recompute", ""} },
		"GET /winback":          func(string) request { return request{"GET", "/winback", ""} },
		"POST /winback/run":     func(string) request { return request{"POST", "/winback/run", ""} },
		"POST /winback/{id}/outreach": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"POST", "/winback/" + c + "/outreach", `{"text":"Shop có ưu đãi cho chị"}`}
		},
		"POST /winback/{id}/dismiss": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"POST", "/winback/" + c + "/dismiss", `{"reason":"not interested"}`}
		},
		"GET /customers/{id}/export": func(tag string) request {
			c, _ := f.customer(t, tag)
			return request{"GET", "/customers/" + c + "/export", ""}
		},
		"POST /customers/{id}/erase": func(tag string) request {
			c, v := f.customer(t, tag)
			if res := e.gw.do(t, "POST", "/conversations/"+v+"/resolve", sup, ""); res.Status != http.StatusOK {
				t.Fatalf("resolve before erasing: %d %s", res.Status, res.Body)
			}
			return request{"POST", "/customers/" + c + "/erase", `{"reason":"customer request"}`}
		},
	}
	supervisorOnly := []string{"POST /tiers/recompute", "GET /winback", "POST /winback/run", "POST /winback/{id}/outreach", "POST /winback/{id}/dismiss",
		"GET /customers/{id}/export", "POST /customers/{id}/erase", "POST /customers/{id}/merge", "POST /conversations/{id}/assign", "GET /metrics",
		"POST /agents", "PATCH /agents/{id}", "DELETE /agents/{id}", "PUT /teams/{id}", "POST /conversations/{id}/transfer",
		"DELETE /customers/{id}/identities/{kind}/{value}", "GET /duplicates", "POST /duplicates/{id}/dismiss"}
	success := map[string]int{"PATCH /customers/{id}": 200, "POST /conversations/{id}/messages": 201, "POST /conversations/{id}/notes": 201,
		"POST /agents": 201, "PUT /teams/{id}": 201, "POST /customers/{id}/identities": 201, "POST /winback/{id}/outreach": 201,
		"POST /customers/{id}/purchases": 201, "POST /customers/{id}/purchases/{orderId}/refund": 201,
		// Allowed callers reach the handler, which has no Twilio voice in this harness (voice_test.go places calls).
		"POST /conversations/{id}/call": 409}

	var served int
	for _, rt := range httpapi.DeployedRoutes() {
		if rt.Function != httpapi.AgentAPI {
			continue
		}
		served++
		mk, ok := build[rt.Key()]
		if !ok {
			t.Fatalf("route %s has no case in the matrix", rt.Key())
		}
		for _, p := range principals {
			t.Run(rt.Key()+"/"+p.name, func(t *testing.T) {
				r := mk(p.partnerTag)
				var hdr []string
				if r.method == "PATCH" {
					hdr = []string{"If-Match", `"2"`}
					if rt.Key() == "PATCH /agents/{id}" {
						hdr[1] = `"1"` // a fresh agent
					}
				}
				res := e.gw.do(t, r.method, r.path, p.token, r.body, hdr...)
				want := expected(rt, p.name, slices.Contains(supervisorOnly, rt.Key()))
				if want == 0 {
					want = http.StatusOK
					if s, ok := success[rt.Key()]; ok {
						want = s
					}
				}
				if res.Status != want {
					t.Fatalf("%s %s as %s: %d %s, want %d", r.method, r.path, p.name, res.Status, res.Body, want)
				}
				if res.Status >= 400 && res.Status != http.StatusUnauthorized && res.errorCode() == "" {
					t.Fatalf("error without a JSON error code: %s", res.Body)
				}
			})
		}
	}
	if served != len(build) {
		t.Fatalf("the matrix covers %d routes, the route table has %d", len(build), served)
	}
}

// expected is the status a caller gets; 0 means "allowed" (the route's
// success status).
func expected(rt httpapi.Route, who string, supervisorOnly bool) int {
	if rt.Key() == "POST /feedback/{token}" {
		return http.StatusNotFound // reachable by anyone; that token was never issued
	}
	switch who {
	case "no token", "bad signature", "expired":
		return http.StatusUnauthorized
	case "agent":
		if supervisorOnly {
			return http.StatusForbidden
		}
	case "partner own":
		if rt.Key() != "GET /customers/{id}" {
			return http.StatusForbidden
		}
	case "partner other's":
		if rt.Key() == "GET /customers/{id}" {
			return http.StatusNotFound
		}
		return http.StatusForbidden
	}
	return 0
}

func TestPartnerSeesNoNotesHistoryOrOtherPartnersData(t *testing.T) {
	e := newEnv(t)
	f := &fixture{e: e}
	c, _ := f.customer(t, "partner:p1", "partner:p2", "vip")
	res := e.gw.do(t, "GET", "/customers/"+c, e.partner(t, "p1"), "")
	if res.Status != http.StatusOK {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	for _, leak := range []string{"Khách khó tính", "partner:p2", "notes", "recentTouchpoints", "openConversation", "satisfaction", "channelCounts", "0913000001", "+84913000001"} {
		if strings.Contains(res.Body, leak) {
			t.Errorf("partner view leaks %q: %s", leak, res.Body)
		}
	}
	var v struct {
		Tags       []string          `json:"tags"`
		Identities []domain.Identity `json:"identities"`
	}
	res.decode(t, &v)
	if !slices.Equal(v.Tags, []string{"partner:p1", "vip"}) || len(v.Identities) != 1 || !strings.HasSuffix(v.Identities[0].Value, "001") {
		t.Fatalf("partner view = %s", res.Body)
	}
	// Staff see the notes.
	if res = e.gw.do(t, "GET", "/customers/"+c, e.agent(t, "agent-x"), ""); !strings.Contains(res.Body, "Khách khó tính") {
		t.Fatalf("agent view lacks the notes: %s", res.Body)
	}
}
