// Command toolgate runs an MCP tool gateway described by a configuration
// file: AgentCore's CreateGateway, CreateGatewayTarget and credential
// provider request bodies in one YAML or JSON file (see docs/config.md).
//
//	go install github.com/toolgate/toolgate/cmd/toolgate@latest
//
//	toolgate serve    --config FILE [--addr HOST:PORT] [--watch=false] [--log-format text|json] [--log-level LEVEL]
//	toolgate validate --config FILE
//	toolgate tools    --config FILE [--json]
//	toolgate version
//
// serve answers MCP at /mcp, /healthz and /readyz; it reloads the file on
// SIGHUP and when the file (or a file it references) changes, and stops
// gracefully on SIGINT or SIGTERM. validate exits 1 and lists every problem
// when the file is not usable. tools prints the published tools, one per
// line: name, target, description.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/internal/server"
	"github.com/toolgate/toolgate/policy"
)

const usage = `toolgate runs an MCP tool gateway described by a configuration file.

Usage:
  toolgate serve    --config FILE [--addr HOST:PORT] [--watch=false] [--log-format text|json] [--log-level debug|info|warn|error]
  toolgate validate --config FILE
  toolgate tools    --config FILE [--json]
  toolgate schema   --config FILE
  toolgate version

The configuration is documented in docs/config.md.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command line; it returns the exit status: 0, 1 for a failure,
// 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "schema":
		return schema(args[1:], stdout, stderr)
	case "tools":
		return tools(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, version())
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "toolgate: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// version is toolgate's release and, when built from a module, its
// version.
func version() string {
	v := "toolgate " + toolgate.Version
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v += " (" + bi.Main.Version + ")"
	}
	return v
}

// flags parses a command's flags; config is required.
func flags(name string, args []string, stderr io.Writer, define func(*flag.FlagSet)) (*flag.FlagSet, string, bool) {
	fs := flag.NewFlagSet("toolgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", "", "the configuration file (YAML or JSON)")
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", false
	}
	if *cfg == "" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "toolgate %s: --config FILE is required, and nothing else\n", name)
		return nil, "", false
	}
	return fs, *cfg, true
}

// printProblems writes a configuration's warnings and errors, one a line.
func printProblems(w io.Writer, f *config.File, err error) {
	if f != nil {
		for _, warn := range f.Warnings() {
			fmt.Fprintf(w, "warning: %s\n", warn)
		}
	}
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintf(w, "error: %s\n", e)
		}
	} else if err != nil {
		fmt.Fprintf(w, "error: %s\n", err)
	}
}

func validate(args []string, stdout, stderr io.Writer) int {
	_, path, ok := flags("validate", args, stderr, nil)
	if !ok {
		return 2
	}
	f, err := config.Load(path)
	if err == nil {
		err = f.Validate(context.Background())
	}
	printProblems(stderr, f, err)
	if err != nil {
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid (%d targets)\n", path, len(f.Targets))
	return 0
}

func tools(args []string, stdout, stderr io.Writer) int {
	var asJSON *bool
	_, path, ok := flags("tools", args, stderr, func(fs *flag.FlagSet) {
		asJSON = fs.Bool("json", false, "print a JSON array")
	})
	if !ok {
		return 2
	}
	infos, ok := catalogue(path, stderr)
	if !ok {
		return 1
	}
	type tool struct {
		Name        string `json:"name"`
		Target      string `json:"target"`
		Description string `json:"description"`
	}
	list := []tool{}
	for _, ti := range infos {
		list = append(list, tool{Name: ti.Name, Target: ti.Target, Description: ti.Tool.Description})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(list)
	} else {
		for _, t := range list {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", t.Name, t.Target, firstLine(t.Description))
		}
	}
	return 0
}

// catalogue returns the tools the gateway path describes publishes; false
// after printing the problems when it cannot.
func catalogue(path string, stderr io.Writer) ([]toolgate.ToolInfo, bool) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := config.Load(path)
	if err != nil {
		printProblems(stderr, f, err)
		return nil, false
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	infos, err := f.Tools(ctx, logger)
	if err != nil {
		printProblems(stderr, f, err)
		return nil, false
	}
	return infos, true
}

// schema prints the Cedar schema generated from the gateway's tools: the
// one policies are validated against.
func schema(args []string, stdout, stderr io.Writer) int {
	_, path, ok := flags("schema", args, stderr, nil)
	if !ok {
		return 2
	}
	infos, ok := catalogue(path, stderr)
	if !ok {
		return 1
	}
	eng, err := policy.New(policy.Config{Gateway: "schema", Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		err = eng.SetTools(infos)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %s\n", err)
		return 1
	}
	fmt.Fprint(stdout, eng.Schema())
	return 0
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func serve(args []string, stdout, stderr io.Writer) int {
	var addr, format, level *string
	var watch *bool
	_, path, ok := flags("serve", args, stderr, func(fs *flag.FlagSet) {
		addr = fs.String("addr", "", "listen address, overriding toolgate.listen (default "+server.DefaultAddr+")")
		watch = fs.Bool("watch", true, "reload when the configuration, or a file it references, changes (SIGHUP reloads either way)")
		format = fs.String("log-format", "text", "log format: text or json")
		level = fs.String("log-level", "info", "log level: debug, info, warn or error")
	})
	if !ok {
		return 2
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "toolgate serve: --log-level %q: %v\n", *level, err)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: lv}
	var logger *slog.Logger
	switch *format {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, hopts))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, hopts))
	default:
		fmt.Fprintf(stderr, "toolgate serve: --log-format %q: use text or json\n", *format)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := server.Options{Config: path, Addr: *addr, Logger: logger, Stdout: stdout}
	if !*watch {
		opts.Poll = -1
	}
	s, err := server.New(ctx, opts)
	if err != nil {
		printProblems(stderr, nil, err)
		return 1
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			logger.Info("SIGHUP: reloading", "config", path)
			_ = s.Reload(ctx) // a rejected file is logged
		}
	}()
	if err := s.Run(ctx); err != nil {
		if errs := (config.Errors{}); errors.As(err, &errs) {
			printProblems(stderr, nil, err) // the file's targets or policies, checked as they were built
		}
		logger.Error("toolgate stopped", "err", err.Error())
		return 1
	}
	return 0
}
