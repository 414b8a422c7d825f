package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

// listedTarget republishes a target's tools, as listed once, so that a
// gateway names them as it would the target's.
type listedTarget struct {
	name  string
	tools []toolgate.Tool
}

func (t *listedTarget) Name() string { return t.name }
func (t *listedTarget) ListTools(context.Context) ([]toolgate.Tool, error) {
	return t.tools, nil
}
func (t *listedTarget) CallTool(context.Context, *toolgate.CallRequest) (*toolgate.Result, error) {
	return nil, errors.New("not callable")
}

// Tools returns the tools the file's gateway publishes, under their
// published names, without serving: each target is built and checked as
// Validate does, listed (an MCP server is contacted), then closed. The
// authorizer is not built, so no identity provider is asked.
func (f *File) Tools(ctx context.Context, logger *slog.Logger) ([]toolgate.ToolInfo, error) {
	if logger == nil {
		logger = slog.Default()
	}
	listed, _, errs := f.listTargets(ctx, logger, true)
	if len(errs) > 0 {
		return nil, errs
	}
	tools, err := publishedTools(ctx, listed)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return tools, nil
}

// listTargets builds and checks every target (buildChecked), keeps its
// listing and closes it. An MCP server is listed only when contact is set
// (it is a backend to reach); complete reports whether every target was
// listed.
func (f *File) listTargets(ctx context.Context, logger *slog.Logger, contact bool) (listed []*listedTarget, complete bool, errs Errors) {
	for i, t := range f.Targets {
		if !contact && kindOf(t) == "mcpServer" {
			// Validating contacts no MCP server and starts no command:
			// what can be checked without is (credentials, environment).
			errs = append(errs, f.checkServer(ctx, i, logger)...)
			continue
		}
		tg, terrs := f.buildChecked(ctx, i, logger)
		if terrs != nil {
			errs = append(errs, terrs...)
			continue
		}
		tools, ok := tg.tools, tg.listed
		if !ok && contact {
			var err error
			if tools, err = tg.target.ListTools(ctx); err != nil {
				errs = append(errs, &Error{Path: index("targets", i) + ".targetConfiguration.mcp.mcpServer", Target: t.Name, Msg: "listing tools: " + err.Error(), Err: err})
			}
			ok = err == nil
		}
		if c, closer := tg.target.(io.Closer); closer {
			_ = c.Close()
		}
		if ok {
			listed = append(listed, &listedTarget{name: t.Name, tools: tools})
		}
	}
	return listed, len(listed) == len(f.Targets), errs
}

// publishedTools returns the tools a gateway with these targets' listings
// publishes, under their published names.
func publishedTools(ctx context.Context, listed []*listedTarget) ([]toolgate.ToolInfo, error) {
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	defer gw.Close()
	for _, t := range listed {
		if err := gw.AddTarget(ctx, t); err != nil {
			return nil, err
		}
	}
	return gw.Tools(), nil
}
