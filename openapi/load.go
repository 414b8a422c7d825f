package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// maxSpecBytes bounds a spec (or referenced document) read from a URL.
const maxSpecBytes = 64 << 20

// LoadFile reads an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML)
// from a file and returns a Target for it. External $refs relative to the
// file are followed; remote ones only with Options.AllowRemoteRefs.
func LoadFile(ctx context.Context, path string, opts *Options) (*Target, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return newTarget(ctx, data, &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}, opts)
}

// LoadURL fetches an OpenAPI document over HTTP(S) with Options.HTTPClient
// (or http.DefaultClient), without Options.Credentials, and returns a
// Target for it. Relative server URLs in
// the document resolve against u. External $refs are followed only with
// Options.AllowRemoteRefs.
func LoadURL(ctx context.Context, u string, opts *Options) (*Target, error) {
	loc, err := url.Parse(u)
	if err != nil || (loc.Scheme != "http" && loc.Scheme != "https") {
		return nil, fmt.Errorf("openapi: spec URL %q: must be http or https", u)
	}
	data, err := fetch(ctx, httpClient(opts), loc)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return newTarget(ctx, data, loc, opts)
}

// New returns a Target for an OpenAPI 3.0/3.1 or Swagger 2.0 document given
// as bytes (JSON or YAML). Only local ($ref: "#/...") references can be
// followed, and remote ones with Options.AllowRemoteRefs; use LoadFile for a
// document split across files.
func New(ctx context.Context, spec []byte, opts *Options) (*Target, error) {
	return newTarget(ctx, spec, nil, opts)
}

func httpClient(opts *Options) *http.Client {
	if opts != nil && opts.HTTPClient != nil {
		return opts.HTTPClient
	}
	return http.DefaultClient
}

func fetch(ctx context.Context, c *http.Client, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	if len(data) > maxSpecBytes {
		return nil, fmt.Errorf("GET %s: document larger than %d bytes", u.Redacted(), maxSpecBytes)
	}
	return data, nil
}

// versionProbe finds the version keys without decoding the whole document.
type versionProbe struct {
	Swagger  string `json:"swagger" yaml:"swagger"`
	OpenAPI  string `json:"openapi" yaml:"openapi"`
	AsyncAPI string `json:"asyncapi" yaml:"asyncapi"`
}

// loadDoc parses data as an OpenAPI 3.x document, converting Swagger 2.0
// first. location (nil for bytes) anchors relative references.
func loadDoc(ctx context.Context, data []byte, location *url.URL, opts *Options, warn func(where, msg string)) (*openapi3.T, string, error) {
	doc, version, err := loadDocOnce(ctx, data, location, opts, warn)
	if err == nil || errors.Is(err, errNotOpenAPI) {
		return doc, version, err
	}
	fixed, rerr := repair(data, location, opts, warn)
	if rerr != nil {
		return nil, "", err
	}
	doc, version, err2 := loadDocOnce(ctx, fixed, location, opts, warn)
	if err2 != nil {
		return nil, "", err
	}
	warn("document", "loaded after repairs; as written it fails with: "+err.Error())
	return doc, version, nil
}

// errNotOpenAPI marks documents that no repair can load.
var errNotOpenAPI = errors.New("not an OpenAPI document")

func loadDocOnce(ctx context.Context, data []byte, location *url.URL, opts *Options, warn func(where, msg string)) (*openapi3.T, string, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = true // enforced by ReadFromURIFunc below
	loader.ReadFromURIFunc = refReader(ctx, location, opts)

	version, err := probeVersion(data)
	if err != nil {
		return nil, "", err
	}
	switch {
	case version.AsyncAPI != "":
		return nil, "", fmt.Errorf("document is AsyncAPI %s: %w", version.AsyncAPI, errNotOpenAPI)
	case strings.HasPrefix(version.Swagger, "2"):
		var doc2 openapi2.T
		if err := decodeSwagger(data, &doc2); err != nil {
			return nil, "", fmt.Errorf("parse Swagger %s: %w", version.Swagger, err)
		}
		loc := location
		if loc == nil {
			loc = &url.URL{}
		}
		doc, err := openapi2conv.ToV3WithLoader(&doc2, loader, loc)
		if err != nil {
			return nil, "", fmt.Errorf("convert Swagger %s to OpenAPI 3: %w", version.Swagger, err)
		}
		return doc, "swagger " + version.Swagger, nil
	case version.Swagger != "":
		return nil, "", fmt.Errorf("unsupported swagger version %q: %w", version.Swagger, errNotOpenAPI)
	case version.OpenAPI == "":
		return nil, "", fmt.Errorf(`document has neither "openapi" nor "swagger" version field: %w`, errNotOpenAPI)
	case !strings.HasPrefix(version.OpenAPI, "3."):
		return nil, "", fmt.Errorf("unsupported openapi version %q: %w", version.OpenAPI, errNotOpenAPI)
	}
	var doc *openapi3.T
	if location != nil {
		doc, err = loader.LoadFromDataWithPath(data, location)
	} else {
		doc, err = loader.LoadFromData(data)
	}
	if err != nil {
		return nil, "", fmt.Errorf("parse OpenAPI %s: %w", version.OpenAPI, err)
	}
	if !strings.HasPrefix(version.OpenAPI, "3.0") && !strings.HasPrefix(version.OpenAPI, "3.1") {
		warn("openapi", fmt.Sprintf("version %s is newer than 3.1; loaded as 3.1", version.OpenAPI))
	}
	return doc, "openapi " + version.OpenAPI, nil
}

// decodeSwagger decodes a Swagger 2.0 document. kin-openapi decodes a
// whole document twice (once for its fields, once more for extensions);
// for JSON, the large top-level maps (paths, definitions, parameters,
// responses) are decoded here on their own, in parallel, which halves the
// time for specs like Kubernetes'. YAML goes through kin-openapi as is.
func decodeSwagger(data []byte, doc *openapi2.T) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return openapi2.UnmarshalFromData(data, doc)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return openapi2.UnmarshalFromData(data, doc)
	}
	paths, defs, params, resps := top["paths"], top["definitions"], top["parameters"], top["responses"]
	for _, k := range []string{"paths", "definitions", "parameters", "responses"} {
		delete(top, k)
	}
	rest, err := json.Marshal(top)
	if err != nil {
		return err
	}
	if err := doc.UnmarshalJSON(rest); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	decode := func(i int, raw json.RawMessage, v any) {
		if raw == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = json.Unmarshal(raw, v)
		}()
	}
	decode(0, paths, &doc.Paths)
	decode(1, defs, &doc.Definitions)
	decode(2, params, &doc.Parameters)
	decode(3, resps, &doc.Responses)
	wg.Wait()
	return errors.Join(errs...)
}

func probeVersion(data []byte) (versionProbe, error) {
	var v versionProbe
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		// JSON: find the top-level keys by search rather than decoding a
		// document of many megabytes twice.
		v.Swagger = jsonStringField(trimmed, "swagger")
		v.OpenAPI = jsonStringField(trimmed, "openapi")
		v.AsyncAPI = jsonStringField(trimmed, "asyncapi")
		if v != (versionProbe{}) {
			return v, nil
		}
	}
	var y versionProbe
	if err := yaml.Unmarshal(data, &y); err != nil {
		if v == (versionProbe{}) {
			return v, fmt.Errorf("parse document: %w", err)
		}
		return v, nil
	}
	return y, nil
}

// jsonStringField returns the string value of the first "key": "value"
// pair in data.
func jsonStringField(data []byte, key string) string {
	needle := []byte(`"` + key + `"`)
	for off := 0; ; {
		i := bytes.Index(data[off:], needle)
		if i < 0 {
			return ""
		}
		rest := bytes.TrimLeft(data[off+i+len(needle):], " \t\r\n")
		off += i + len(needle)
		if len(rest) == 0 || rest[0] != ':' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '"' {
			continue
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			return ""
		}
		return string(rest[1 : 1+end])
	}
}

// refReader decides which external documents $refs may load: files next to
// a file-loaded spec, and http(s) URLs only with AllowRemoteRefs. A spec
// given as bytes or loaded from a URL never reads local files.
func refReader(ctx context.Context, location *url.URL, opts *Options) openapi3.ReadFromURIFunc {
	allowRemote := opts != nil && opts.AllowRemoteRefs
	fileSpec := location != nil && location.Scheme == "file"
	client := httpClient(opts)
	return func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		switch u.Scheme {
		case "http", "https":
			if !allowRemote {
				return nil, fmt.Errorf("remote $ref %s not allowed (set AllowRemoteRefs)", u.Redacted())
			}
			return fetch(ctx, client, u)
		case "", "file":
			if !fileSpec {
				return nil, fmt.Errorf("file $ref %s not allowed: the spec was not loaded from a file", u.Path)
			}
			return os.ReadFile(filepath.FromSlash(u.Path))
		default:
			return nil, fmt.Errorf("$ref scheme %q not supported", u.Scheme)
		}
	}
}
