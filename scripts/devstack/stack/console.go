package stack

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
)

// The console (console/, built into console/dist) is served at ConsolePrefix on the gateway's origin, so
// it calls the API without CORS. DevPrefix holds the local sign-in: the list of people one may sign in as
// and a token minted for one of them by the local signer. Neither exists in AWS, where the console is on
// CloudFront and tokens come from Cognito's hosted UI.
const (
	ConsolePrefix = "/console/"
	DevPrefix     = "/_dev/"
	// DevPartnerID is the partner the local sign-in offers: it sees the customers tagged partner:<id>.
	DevPartnerID = "p-demo"
	devTokenTTL  = 12 * time.Hour
)

// DevIdentity is one person the local sign-in offers.
type DevIdentity struct {
	Sub       string   `json:"sub"`
	Name      string   `json:"name"`
	Groups    []string `json:"groups"`
	PartnerID string   `json:"partnerId,omitempty"`
}

// withConsole puts the console's files and the local sign-in in front of the gateway.
func (s *Stack) withConsole(gw http.Handler) http.Handler {
	dist := filepath.Join(s.Root, "console", "dist")
	files := http.StripPrefix(ConsolePrefix, http.FileServer(http.Dir(dist)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/console":
			http.Redirect(w, r, ConsolePrefix, http.StatusMovedPermanently)
		case strings.HasPrefix(p, ConsolePrefix):
			if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
				writeJSON(w, http.StatusNotFound, map[string]string{"message": "the console is not built: make console"})
				return
			}
			// The bundle's name does not change with its content: always revalidate (cheap on loopback).
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		case p == DevPrefix+"identities" && r.Method == http.MethodGet:
			ids, err := s.devIdentities(r)
			if err != nil {
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"items": ids})
		case p == DevPrefix+"token" && r.Method == http.MethodPost:
			s.devToken(w, r)
		default:
			gw.ServeHTTP(w, r)
		}
	})
}

// devIdentities are the table's active agents (supervisors with both groups) and one demo partner.
func (s *Stack) devIdentities(r *http.Request) ([]DevIdentity, error) {
	agents, err := s.store().ListAgents(r.Context())
	if err != nil {
		return nil, err
	}
	var out []DevIdentity
	for _, a := range agents {
		if !a.DeactivatedAt.IsZero() {
			continue
		}
		groups := []string{"agent"}
		if a.Supervisor {
			groups = append(groups, "supervisor")
		}
		out = append(out, DevIdentity{Sub: a.ID, Name: a.Name, Groups: groups})
	}
	return append(out, DevIdentity{Sub: "partner-demo", Name: "Partner (" + DevPartnerID + ")", Groups: []string{"partner"}, PartnerID: DevPartnerID}), nil
}

// devToken mints a token for one of devIdentities, by sub; anyone else is 404.
func (s *Stack) devToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Sub string `json:"sub"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Sub == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": `want {"sub": "<agent id>"}`})
		return
	}
	ids, err := s.devIdentities(r)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": err.Error()})
		return
	}
	for _, id := range ids {
		if id.Sub != req.Sub {
			continue
		}
		extra := map[string]any{"name": id.Name}
		if id.PartnerID != "" {
			extra["custom:partner_id"] = id.PartnerID
		}
		now := time.Now()
		tok, err := devjwt.Mint(s.jwtSecret(), id.Sub, id.Groups, extra, now, devTokenTTL)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"token": tok, "expiresAt": now.Add(devTokenTTL).UTC(), "identity": id})
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "no active agent " + req.Sub})
}
