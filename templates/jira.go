package templates

// adf explains Jira's rich-text format, which descriptions, comments and
// worklog comments use in REST API v3.
const adf = ` Rich text is Atlassian Document Format: {"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"..."}]}]}.`

// jiraEnhancedSearch is the one operation the Jira template adds to the
// embedded July 2022 spec: Atlassian's enhanced JQL search, GET
// /rest/api/3/search/jql. Atlassian announced on 31 October 2024 that GET
// and POST /rest/api/3/search would be removed in favour of it (see
// docs/templates.md); the snapshot predates it. The parameters follow
// Atlassian's REST reference for the operation, with the wording of the
// snapshot's own search parameters where they are the same; the answer
// lists IssueBean objects, which the snapshot defines.
const jiraEnhancedSearch = `"/rest/api/3/search/jql":{"get":{` +
	`"operationId":"searchAndReconsileIssuesUsingJql","summary":"Search for issues using JQL enhanced search (GET)",` +
	`"tags":["Issue search"],"security":[{"basicAuth":[]},{"OAuth2":["read:jira-work"]}],` +
	`"parameters":[` +
	`{"name":"jql","in":"query","description":"A bounded JQL expression: it must restrict the search (for example project = HSP).","schema":{"type":"string"}},` +
	`{"name":"nextPageToken","in":"query","description":"The token of the page to fetch, from the previous page's nextPageToken; omit it for the first page.","schema":{"type":"string"}},` +
	`{"name":"maxResults","in":"query","description":"The maximum number of issues to return per page.","schema":{"type":"integer","format":"int32","default":50}},` +
	`{"name":"fields","in":"query","description":"The fields to return for each issue: field names, *all, *navigable, or a field prefixed with a minus to exclude it. Only the issue IDs are returned by default.","schema":{"type":"array","items":{"type":"string"}}},` +
	`{"name":"expand","in":"query","description":"Additional information to include: renderedFields, names, schema, transitions, operations, editmeta, changelog, versionedRepresentations.","schema":{"type":"string"}},` +
	`{"name":"properties","in":"query","description":"Issue properties to return for each issue.","schema":{"type":"array","items":{"type":"string"}}},` +
	`{"name":"fieldsByKeys","in":"query","description":"Reference fields by their key rather than their ID.","schema":{"type":"boolean","default":false}},` +
	`{"name":"failFast","in":"query","description":"Fail the request early if the field data cannot be retrieved.","schema":{"type":"boolean","default":false}},` +
	`{"name":"reconcileIssues","in":"query","description":"IDs of issues just created or updated, to include them in the results with their latest data.","schema":{"type":"array","items":{"type":"integer","format":"int64"}}}` +
	`],` +
	`"responses":{"200":{"description":"Returned if the request is successful.","content":{"application/json":{"schema":{"type":"object","properties":{` +
	`"issues":{"type":"array","items":{"$ref":"#/components/schemas/IssueBean"}},` +
	`"nextPageToken":{"type":"string","description":"The token of the next page; absent on the last page."},` +
	`"isLast":{"type":"boolean","description":"Whether this is the last page."},` +
	`"names":{"type":"object","additionalProperties":{"type":"string"}},` +
	`"schema":{"type":"object","additionalProperties":{"$ref":"#/components/schemas/JsonTypeBean"}}}}}}},` +
	`"400":{"description":"Returned if the JQL query is invalid or unbounded."},"401":{"description":"Returned if the authentication credentials are incorrect or missing."}}}},`

var jira = definition{
	name:      "jira",
	title:     "Jira",
	agentCore: "Jira",
	description: "Jira Cloud platform REST API v3: search issues with JQL, create, edit, assign, transition and delete issues, " +
		"comments, watchers, worklogs and links, and the projects, issue types, statuses, priorities, fields and users they need. " +
		"The July 2022 spec is completed with Atlassian's enhanced JQL search (GET /rest/api/3/search/jql), which replaces the removed /rest/api/3/search.",
	auth: "Basic authentication with the Atlassian account email (Options.Username) and an API token (Options.Password) " +
		"to https://{Site}.atlassian.net; or an OAuth 2.0 (3LO) access token (Options.Token) as a bearer token to " +
		"https://api.atlassian.com/ex/jira/{CloudID}, as Atlassian documents for Jira Cloud.",
	licence:    "Apache-2.0",
	source:     "salto-io/jira-swaggers platform-swagger.v3.json @ e9edd0efc751bbc5b2a2c33f8755f9ed04e14158",
	spec:       "jira/jira-platform-swagger.v3.json.gz",
	preset:     jiraPreset,
	extraPaths: jiraEnhancedSearch,
	ops: []operation{
		{"searchAndReconsileIssuesUsingJql", "Search issues with JQL. The query must be bounded, for example " +
			"jql=\"project = OPS AND status != Done ORDER BY updated DESC\" or \"assignee = currentUser() AND updated >= -30d\". " +
			"Only issue IDs come back unless fields names them (such as summary,status,assignee, or *navigable). " +
			"maxResults sets the page size; pass the answer's nextPageToken to get the next page until isLast is true. " +
			"Use this to find issues before reading or changing them."},
		{"getIssue", "Get one issue by its key or ID (issueIdOrKey, such as OPS-123): summary, description, status, assignee, " +
			"comments and every field. fields limits the fields returned; expand=renderedFields adds HTML renderings."},
		{"createIssue", "Create an issue or subtask. body.fields needs project ({\"key\":\"OPS\"}), issuetype ({\"name\":\"Task\"}) " +
			"and summary; description, assignee ({\"accountId\":...}), priority ({\"name\":\"High\"}), labels and parent (for a subtask) are optional. " +
			"Use getCreateIssueMeta to learn a project's issue types and required fields." + adf},
		{"editIssue", "Change an issue's fields (issueIdOrKey). body.fields sets values ({\"summary\":\"...\"}); body.update applies " +
			"operations ({\"labels\":[{\"add\":\"urgent\"}]}). Status does not change here: use doTransition. " +
			"getEditIssueMeta lists the editable fields." + adf},
		{"deleteIssue", "Delete an issue (issueIdOrKey). An issue with subtasks needs deleteSubtasks=true. This cannot be undone."},
		{"assignIssue", "Assign an issue (issueIdOrKey) to a user: body {\"accountId\":\"...\"}; accountId null unassigns, \"-1\" uses the project's default. " +
			"Find account IDs with findAssignableUsers."},
		{"getTransitions", "List the workflow transitions available for an issue now (issueIdOrKey), with their IDs and target statuses. " +
			"Call this before doTransition."},
		{"doTransition", "Move an issue to another status by performing a transition (issueIdOrKey): body {\"transition\":{\"id\":\"31\"}} " +
			"with an ID from getTransitions; body.fields sets fields the transition screen asks for (such as resolution)."},
		{"getComments", "List an issue's comments (issueIdOrKey), oldest first; orderBy=-created for newest first; page with startAt and maxResults."},
		{"addComment", "Comment on an issue (issueIdOrKey): body {\"body\": <rich text>}; body.visibility restricts it to a role or group." + adf},
		{"updateComment", "Edit a comment: issueIdOrKey, id (the comment ID) and body {\"body\": <rich text>}." + adf},
		{"getIssueWatchers", "List who watches an issue (issueIdOrKey)."},
		{"addWatcher", "Make a user watch an issue (issueIdOrKey): body is the user's account ID as a JSON string; empty adds the caller."},
		{"getIssueWorklog", "List the time logged on an issue (issueIdOrKey); startedAfter and startedBefore (Unix milliseconds) bound it."},
		{"addWorklog", "Log time on an issue (issueIdOrKey): body timeSpent (\"3h 20m\"), started (\"2024-05-01T09:00:00.000+0000\") and an optional comment." + adf},
		{"linkIssues", "Link two issues: body type ({\"name\":\"Blocks\"}, from getIssueLinkTypes), inwardIssue and outwardIssue " +
			"({\"key\":\"OPS-1\"}), optionally a comment."},
		{"getIssueLinkTypes", "List the issue link types (Blocks, Relates, Duplicates, ...) with their inward and outward wording."},
		{"getCreateIssueMeta", "Tell which projects and issue types the user can create issues in and, with expand=projects.issuetypes.fields, " +
			"which fields each needs. Filter with projectKeys and issuetypeNames. Use before createIssue."},
		{"getEditIssueMeta", "List the fields of an issue (issueIdOrKey) the user can edit, with their allowed values. Use before editIssue."},
		{"getIssuePickerResource", "Suggest issues matching text as a user types (query), for a quick lookup by words in the summary or key; " +
			"currentJQL narrows the candidates. For real searches use searchAndReconsileIssuesUsingJql."},
		{"searchProjects", "List or search the projects the user can see: query matches key or name; page with startAt and maxResults."},
		{"getProject", "Get a project's details by key or ID (projectIdOrKey): lead, issue types, components, versions."},
		{"getAllStatuses", "List the statuses valid in a project (projectIdOrKey), grouped by issue type."},
		{"getIssueAllTypes", "List the issue types the user can see (Task, Bug, Story, Epic, Subtask, ...)."},
		{"getPriorities", "List the issue priorities (Highest ... Lowest) with their IDs and names."},
		{"getFields", "List every system and custom field with its ID (customfield_10010), name and type, to read or set custom fields by name."},
		{"findUsers", "Find users by name or email (query); returns account IDs for assigning, mentioning and watching."},
		{"findAssignableUsers", "Find users who can be assigned issues in a project (project) or a given issue (issueKey), optionally matching query."},
		{"getCurrentUser", "Get the calling user: account ID, name, email (if visible), time zone."},
		{"getProjectVersions", "List a project's versions (releases) with their IDs, release dates and state (projectIdOrKey)."},
		{"getProjectComponents", "List a project's components with their IDs and leads (projectIdOrKey)."},
	},
}
