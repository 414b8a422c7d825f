package mcpserver

import "time"

// NoLean sends every call of t through go-sdk's client; call it before
// the first call.
func NoLean(t *Target) { t.noLean = true }

// ForwardedMeta exposes forwardedMeta to the tests.
var ForwardedMeta = forwardedMeta

// SetResumeDelay sets the first backoff delay of t's resumed streams.
func SetResumeDelay(t *Target, d time.Duration) { t.resumeDelay = d }
