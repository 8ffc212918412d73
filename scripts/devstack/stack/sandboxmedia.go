package stack

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// The sandbox's media downloads, so a photo a customer sends under make dev
// ends as a downloadable attachment (shared/media): WhatsApp's GET
// /{version}/{media-id} and the short-lived URL it answers, and Telegram's
// getFile and /file/bot<token>/<path>. Every media id or file id is a
// small JPEG.
var (
	metaMediaInfo   = regexp.MustCompile(`^/v[0-9.]+/([0-9]+)$`)
	metaMediaFile   = regexp.MustCompile(`^/media/([0-9]+)$`)
	telegramGetFile = regexp.MustCompile(`^/bot[^/]+/getFile$`)
	telegramFile    = regexp.MustCompile(`^/file/bot[^/]+/photos/([A-Za-z0-9_-]+)\.jpg$`)
)

// sandboxJPEG is the picture every sandbox media id answers: a JPEG's
// signature and JFIF header, then the id, so two files differ.
func sandboxJPEG(id string) []byte {
	return append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), []byte("concierge sandbox media "+id)...)
}

// serveMedia answers a media GET; false when r is none.
func serveMedia(w http.ResponseWriter, r *http.Request, provider, path string) bool {
	if r.Method != http.MethodGet {
		return false
	}
	self := "http://" + r.Host + SandboxPrefix + provider
	switch {
	case provider == "meta" && metaMediaInfo.MatchString(path):
		id := metaMediaInfo.FindStringSubmatch(path)[1]
		writeJSON(w, http.StatusOK, map[string]string{"messaging_product": "whatsapp", "id": id, "mime_type": "image/jpeg",
			"url": self + "/media/" + id, "file_size": fmt.Sprint(len(sandboxJPEG(id)))})
	case provider == "meta" && metaMediaFile.MatchString(path):
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(sandboxJPEG(metaMediaFile.FindStringSubmatch(path)[1]))
	case provider == "telegram" && telegramGetFile.MatchString(path):
		id := r.URL.Query().Get("file_id")
		if id == "" || strings.ContainsAny(id, "/.") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"})
			return true
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{"file_id": id, "file_size": len(sandboxJPEG(id)), "file_path": "photos/" + id + ".jpg"}})
	case provider == "telegram" && telegramFile.MatchString(path):
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(sandboxJPEG(telegramFile.FindStringSubmatch(path)[1]))
	default:
		return false
	}
	return true
}
