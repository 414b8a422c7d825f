package mcpserver

import (
	"runtime"
	"slices"
	"strings"
)

// inheritedEnv are the variables a command inherits from the gateway by
// default: those the MCP TypeScript SDK's stdio transport passes on.
func inheritedEnv() []string {
	if runtime.GOOS == "windows" {
		return []string{"APPDATA", "HOMEDRIVE", "HOMEPATH", "LOCALAPPDATA", "PATH", "PROCESSOR_ARCHITECTURE",
			"SYSTEMDRIVE", "SYSTEMROOT", "TEMP", "USERNAME", "USERPROFILE", "PROGRAMFILES"}
	}
	return []string{"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"}
}

// commandEnv returns a command's environment: the inherited variables of
// environ (all of them with all), then env's entries, which replace
// inherited ones of the same name.
func commandEnv(env []string, all bool, environ []string) []string {
	keep := inheritedEnv()
	out := make([]string, 0, len(keep)+len(env))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if name == "" || slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, name+"=") }) {
			continue
		}
		if all || slices.ContainsFunc(keep, func(k string) bool { return envName(k, name) }) {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// envName reports whether name is the variable k (case-insensitively on
// Windows, whose variables are).
func envName(k, name string) bool {
	if runtime.GOOS == "windows" {
		return strings.EqualFold(k, name)
	}
	return k == name
}
