package templates

// definitions is the read-only table of templates, in documentation order.
// Nothing writes to it; Get and Lookup hand out copies.
var definitions = [...]definition{slack, jira, asana, github, stripe, twilio}
