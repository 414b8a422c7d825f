package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An Embedder turns texts into vectors for semantic ranking. It must
// return one vector per text, in order, all of the same length, of finite
// values; anything else is a failure, as an error is.
// Implementations must be safe for concurrent use.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// OpenAIEmbedder calls an OpenAI-compatible embeddings endpoint
// (POST {BaseURL}/embeddings), as served by OpenAI, Ollama, vLLM and
// Hugging Face TEI. Its requests are idempotent: one that meets a reused
// connection the server has closed is sent again on a new one.
type OpenAIEmbedder struct {
	// BaseURL is the API root, for example "https://api.openai.com/v1"
	// or "http://127.0.0.1:11434/v1".
	BaseURL string
	// Model is the embedding model, for example "text-embedding-3-small".
	Model string
	// APIKey, if set, is sent as a bearer token.
	APIKey string
	// Dimensions, if positive, asks the server for shorter vectors
	// (supported by some models).
	Dimensions int
	// BatchSize bounds the number of texts per request; zero means 64.
	BatchSize int
	// HTTPClient is the client used; nil means http.DefaultClient.
	HTTPClient *http.Client
}

type embeddingRequest struct {
	Model          string   `json:"model,omitempty"`
	Input          []string `json:"input"`
	Dimensions     int      `json:"dimensions,omitempty"`
	EncodingFormat string   `json:"encoding_format"`
}

type embeddingResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

// Embed implements [Embedder].
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	batch := e.BatchSize
	if batch <= 0 {
		batch = 64
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += batch {
		end := min(start+batch, len(texts))
		vecs, err := e.embedBatch(ctx, texts[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *OpenAIEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(embeddingRequest{Model: e.Model, Input: texts, Dimensions: e.Dimensions, EncodingFormat: "float"})
	if err != nil {
		return nil, fmt.Errorf("search: embeddings: %w", err)
	}
	url := strings.TrimRight(e.BaseURL, "/") + "/embeddings"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("search: embeddings: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	// Embedding is idempotent: with this key, unsent, net/http sends the
	// request again on a new connection when a reused one turns out to be
	// closed by the server (an idle timeout ending as it was reused).
	req.Header["Idempotency-Key"] = nil
	if e.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.APIKey)
	}
	client := e.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("search: embeddings: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("search: embeddings: reading response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("search: embeddings: %s: %s", resp.Status, excerpt(data))
	}
	return decodeEmbeddings(data, len(texts))
}

// decodeEmbeddings reads an embeddings response that answers n texts: one
// vector per text, each text's index given once, all vectors of one length.
func decodeEmbeddings(data []byte, n int) ([][]float32, error) {
	var r embeddingResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("search: embeddings: decoding response: %w", err)
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("search: embeddings: got %d vectors for %d texts", len(r.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("search: embeddings: bad or repeated index %d", d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("search: embeddings: empty vector at index %d", d.Index)
		}
		if len(d.Embedding) != len(r.Data[0].Embedding) {
			return nil, fmt.Errorf("search: embeddings: vector at index %d has %d dimensions, vector at index %d has %d",
				d.Index, len(d.Embedding), r.Data[0].Index, len(r.Data[0].Embedding))
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// excerpt is the start of an error response, for an error message: at most
// 200 bytes, cut between characters, control characters shown as spaces.
func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	cut := len(s) > 200
	if cut {
		i := 200
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if cut {
		s += "…"
	}
	return s
}

// embedText is the text of a document given to an Embedder: its name,
// title, description, parameter names and target description, the
// identifiers spelled as words.
func embedText(d *Document) string {
	var b strings.Builder
	name := d.Tool.Name
	if name == "" {
		name = d.Name
	}
	b.WriteString(identifierWords(name))
	if d.Tool.Title != "" {
		b.WriteString(" (" + d.Tool.Title + ")")
	}
	if d.Tool.Description != "" {
		b.WriteString(": " + d.Tool.Description)
	}
	if len(d.Tool.InputSchema) > 0 {
		var params []string
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if json.Unmarshal(d.Tool.InputSchema, &s) == nil {
			for p := range s.Properties {
				params = append(params, identifierWords(p))
			}
		}
		if len(params) > 0 {
			slices.Sort(params)
			b.WriteString("\nParameters: " + strings.Join(params, ", "))
		}
	}
	if d.TargetDescription != "" {
		b.WriteString("\nService: " + d.TargetDescription)
	}
	return b.String()
}

type contentHash [sha256.Size]byte

func hashText(s string) contentHash { return sha256.Sum256([]byte(s)) }

// identifierWords spells an identifier as the words it is made of
// (weather___get_forecast: "weather get forecast"; maxResults: "max
// results"), as an embedding model reads text: it was trained on words, not
// on identifiers.
func identifierWords(id string) string {
	var words []string
	start := -1
	flush := func(end int) {
		if start >= 0 {
			for _, p := range splitIdentifier([]rune(id[start:end])) {
				words = append(words, strings.ToLower(string(p)))
			}
			start = -1
		}
	}
	for i, r := range id {
		// Word characters as the index's analyzer has them.
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(id))
	return strings.Join(words, " ")
}
