package toolgate

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/fastpath"
)

// A Session whose call the gateway answers itself (Tool.RelaysSession)
// sends on the call's own event stream (internal/fastpath's Stream) what
// go-sdk's ServerSession would send on it, and reads the answers as
// go-sdk's server reads them.

// streamAsk sends the client the request method with params on st and
// decodes its answer into res.
func streamAsk(ctx context.Context, st *fastpath.Stream, method string, params any, res any) error {
	raw, err := st.Request(ctx, method, params)
	if err != nil {
		return err
	}
	if err := fastpath.Decode(raw, res); err != nil {
		return fmt.Errorf("decoding the client's answer: %w", err)
	}
	return nil
}

// streamSampleWithTools is SampleWithTools on the call's stream.
func (s *Session) streamSampleWithTools(ctx context.Context, params *mcp.CreateMessageWithToolsParams) (*mcp.CreateMessageWithToolsResult, error) {
	if params == nil || params.Messages == nil {
		p := &mcp.CreateMessageWithToolsParams{}
		if params != nil {
			*p = *params
		}
		p.Messages = []*mcp.SamplingMessageV2{} // as go-sdk: never null
		params = p
	}
	return s.streamCreateMessage(ctx, params)
}

// streamCreateMessage sends sampling/createMessage with params on the
// call's stream and reads the answer in its widest form, content blocks
// and all.
func (s *Session) streamCreateMessage(ctx context.Context, params any) (*mcp.CreateMessageWithToolsResult, error) {
	res := &mcp.CreateMessageWithToolsResult{}
	if err := streamAsk(ctx, s.stream, "sampling/createMessage", params, res); err != nil {
		return nil, fmt.Errorf("toolgate: sampling: %w", err)
	}
	return res, nil
}

// streamSample is Sample on the call's stream: the answer may hold one
// content block, as go-sdk's CreateMessage requires.
func (s *Session) streamSample(ctx context.Context, params *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if params == nil || params.Messages == nil {
		p := &mcp.CreateMessageParams{}
		if params != nil {
			*p = *params
		}
		p.Messages = []*mcp.SamplingMessage{} // as go-sdk: never null
		params = p
	}
	res, err := s.streamCreateMessage(ctx, params)
	if err != nil {
		return nil, err
	}
	if len(res.Content) > 1 {
		return nil, fmt.Errorf("toolgate: sampling: the answer has %d content blocks; use SampleWithTools for several", len(res.Content))
	}
	out := &mcp.CreateMessageResult{Meta: res.Meta, Model: res.Model, Role: res.Role, StopReason: res.StopReason}
	if len(res.Content) == 1 {
		out.Content = res.Content[0]
	}
	return out, nil
}

// streamElicit is RelayElicit on the call's stream: the mode inferred when
// the request names none, and refused when the client cannot take it, as
// go-sdk's Elicit does before it sends.
func (s *Session) streamElicit(ctx context.Context, params *mcp.ElicitParams, caps *mcp.ElicitationCapabilities) (*mcp.ElicitResult, error) {
	p := *params
	if p.Mode == "" {
		p.Mode = "form"
		if p.URL != "" || p.ElicitationID != "" {
			p.Mode = "url"
		}
	}
	switch {
	case p.Mode == "form" && caps.Form == nil && caps.URL != nil:
		return nil, errors.New(`toolgate: elicitation: client does not support "form" elicitation`)
	case p.Mode == "url" && caps.URL == nil:
		return nil, errors.New(`toolgate: elicitation: client does not support "url" elicitation`)
	}
	res := &mcp.ElicitResult{}
	if err := streamAsk(ctx, s.stream, "elicitation/create", &p, res); err != nil {
		return nil, fmt.Errorf("toolgate: elicitation: %w", err)
	}
	return res, nil
}
