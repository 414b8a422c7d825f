package toolgate

// A StatusSection is a part of the gateway other than its targets that
// the status page shows after them: the search tool's index and embedder,
// say. A section with Problems is shown as degraded.
type StatusSection struct {
	// Name identifies the section in the page's JSON ("search"); Title
	// heads it on the page ("Search").
	Name, Title string
	// Items are the section's facts, in the order shown.
	Items []StatusItem
	// Problems says what is wrong, one sentence each; empty when the part
	// works.
	Problems []string
}

// A StatusItem is one fact of a StatusSection.
type StatusItem struct {
	// Name identifies the item in the page's JSON ("tools_embedded");
	// Label names it on the page ("Tools embedded").
	Name, Label string
	// Value is the fact, as shown.
	Value string
}

// AddStatusSection adds a section to the status page (StatusHandler) and
// to StatusSections, computed by fn each time either is asked for, after
// the sections added before it. fn must be quick, safe for concurrent use,
// and keep secrets out of what it returns: the page does not authenticate
// anyone (a URL in a problem loses its user information and query values,
// as in a target's listing error, but nothing else is redacted). The
// returned func removes the section.
func (g *Gateway) AddStatusSection(fn func() StatusSection) (remove func()) {
	return g.sections.add(fn)
}

// StatusSections returns the sections added by AddStatusSection, in the
// order they were added, each computed now.
func (g *Gateway) StatusSections() []StatusSection {
	fns := g.sections.list()
	out := make([]StatusSection, len(fns))
	for i, fn := range fns { // outside any lock: fn may call back into the gateway
		out[i] = fn()
	}
	return out
}
