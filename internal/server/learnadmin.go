package server

import (
	"encoding/json"
	"net/http"

	"github.com/toolgate/toolgate/search"
)

// What the search tool learned from callers, on the admin listener when
// toolgate.search.learn.admin is set: GET /search/learned[?tool=...] lists it,
// DELETE /search/learned/{tool}[?word=...] forgets a tool's words (all of
// them without a word).

// learnAdmin adds the learned-words routes to mux. They answer 404 while
// the current gateway does not serve them, so that a reload can turn them
// on or off.
func (s *Server) learnAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /search/learned", func(w http.ResponseWriter, r *http.Request) {
		svc := s.learnService(w)
		if svc == nil {
			return
		}
		learned := svc.Learned()
		if tool := r.URL.Query().Get("tool"); tool != "" { // one tool's
			learned = map[string][]search.LearnedWord{tool: learned[tool]}
			if learned[tool] == nil {
				delete(learned, tool)
			}
		}
		if learned == nil {
			learned = map[string][]search.LearnedWord{}
		}
		writeJSON(w, learned)
	})
	mux.HandleFunc("DELETE /search/learned/{tool}", func(w http.ResponseWriter, r *http.Request) {
		svc := s.learnService(w)
		if svc == nil {
			return
		}
		tool := r.PathValue("tool")
		removed := svc.Forget(r.Context(), tool, r.URL.Query()["word"]...)
		s.log.Info("search: learned words forgotten", "tool", tool, "count", len(removed))
		writeJSON(w, struct {
			Forgotten []string `json:"forgotten"`
		}{append([]string{}, removed...)})
	})
}

// learnService returns the current gateway's search tool when it learns
// and serves what it learned here; otherwise it answers 404 and returns
// nil.
func (s *Server) learnService(w http.ResponseWriter) *search.Service {
	if g := s.gen.Load(); g != nil && g.learnAdmin {
		if svc := g.built.SearchService(); svc != nil {
			return svc
		}
	}
	http.Error(w, "what the search tool learned is not served here (toolgate.search.learn.admin)", http.StatusNotFound)
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
