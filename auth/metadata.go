package auth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// WellKnownPath is the RFC 9728 protected-resource metadata prefix.
const WellKnownPath = "/.well-known/oauth-protected-resource"

// MetadataPath returns where the metadata of a gateway mounted at
// mcpPath is served, in RFC 9728's path-inserted form: "/mcp" gives
// "/.well-known/oauth-protected-resource/mcp".
func MetadataPath(mcpPath string) string {
	if mcpPath == "/" {
		mcpPath = ""
	}
	return WellKnownPath + mcpPath
}

// Metadata is the RFC 9728 protected-resource metadata document.
type Metadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// MetadataHandler serves the protected-resource metadata. Mount it at
// MetadataPath(path of the gateway) — or at WellKnownPath+"/" to serve
// every gateway of the application; the resource is the request's path
// after the prefix.
func (j *JWT) MetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		resource := j.cfg.PublicURL
		if resource == "" {
			resource = j.base(r) + strings.TrimPrefix(r.URL.Path, WellKnownPath)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_ = json.NewEncoder(w).Encode(Metadata{
			Resource:               resource,
			AuthorizationServers:   []string{j.issuer},
			ScopesSupported:        j.cfg.ScopesSupported,
			BearerMethodsSupported: []string{"header"},
			ResourceName:           j.cfg.ResourceName,
		})
	})
}

// metadataURL is the metadata URL for the gateway that received r.
func (j *JWT) metadataURL(r *http.Request) string {
	if j.cfg.PublicURL != "" {
		u, err := url.Parse(j.cfg.PublicURL)
		if err == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host + MetadataPath(strings.TrimSuffix(u.Path, "/"))
		}
	}
	return j.base(r) + MetadataPath(r.URL.Path)
}

// base is scheme://host of the request as the client addressed it.
func (j *JWT) base(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if j.cfg.TrustForwardedHeaders {
		if f := r.Header.Get("Forwarded"); f != "" {
			for _, part := range strings.Split(strings.Split(f, ",")[0], ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
				v = strings.Trim(v, `"`)
				switch strings.ToLower(k) {
				case "proto":
					scheme = v
				case "host":
					host = v
				}
			}
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
			scheme = strings.TrimSpace(strings.Split(p, ",")[0])
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host = strings.TrimSpace(strings.Split(h, ",")[0])
		}
	}
	if scheme != "https" {
		scheme = "http"
	}
	return scheme + "://" + host
}
