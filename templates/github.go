package templates

var github = definition{
	name:  "github",
	title: "GitHub",
	description: "GitHub REST API: repositories, files, branches, commits and releases; issues, labels and comments; " +
		"pull requests, reviews and merges; code, issue and repository search; GitHub Actions runs.",
	auth: "Bearer token in Authorization (Options.Token): a fine-grained or classic personal access token, a GitHub App " +
		"installation token or an OAuth token, as GitHub documents; X-GitHub-Api-Version: 2022-11-28 is sent. " +
		"For GitHub Enterprise Server set BaseURL to https://HOST/api/v3.",
	licence: "MIT",
	source:  "WillAbides/octo-go api.github.com.json (github/rest-api-description, Sep 2020) @ 6ee911084e2dc85997cadc1855c1dd364d90df77",
	spec:    "github/api.github.com.2020-09.json.gz",
	header:  map[string]string{"X-GitHub-Api-Version": "2022-11-28"},
	preset:  bearerPreset("", "a GitHub token"),
	ops: []operation{
		{"users/get-authenticated", "Get the user the token belongs to: login, name, email, plan."},
		{"users/get-by-username", "Get a user's or organization's public profile by login (username)."},
		{"repos/get", "Get a repository (owner, repo): description, default branch, visibility, topics, counts, permissions."},
		{"repos/list-for-authenticated-user", "List the repositories the token's user can access; visibility, affiliation and sort " +
			"(created, updated, pushed, full_name) filter and order; page with per_page (at most 100) and page."},
		{"repos/list-for-org", "List an organization's repositories (org); type (all, public, private, forks, sources, member) filters; page with per_page and page."},
		{"repos/get-content", "Read a file or list a directory in a repository (owner, repo, path such as \"src/main.go\"; ref for a branch, tag or commit). " +
			"A file's content comes base64-encoded with its sha, which updates need."},
		{"repos/create-or-update-file-contents", "Create or replace a file with a commit (owner, repo, path). In body: message (the commit message), " +
			"content (the new file content, base64-encoded), branch, and sha (the current blob sha, required when replacing)."},
		{"repos/list-branches", "List a repository's branches (owner, repo); protected=true for protected ones only."},
		{"repos/list-commits", "List commits (owner, repo), newest first: sha (a branch or commit to start from), path (only commits touching it), " +
			"author, since and until (ISO 8601) filter; page with per_page and page."},
		{"repos/get-commit", "Get one commit (owner, repo, ref: a sha, branch or tag) with its message, author, stats and changed files with patches."},
		{"repos/compare-commits", "Compare two commits, branches or tags (owner, repo, base, head): commits between them and the changed files with patches."},
		{"repos/list-releases", "List a repository's releases (owner, repo), newest first."},
		{"repos/get-latest-release", "Get the latest published release (owner, repo): not a draft or prerelease."},
		{"repos/create-release", "Create a release (owner, repo). In body: tag_name (required; created from target_commitish if missing), " +
			"name, body (release notes in Markdown), draft, prerelease."},
		{"repos/get-readme", "Read a repository's README (owner, repo; ref for another branch), base64-encoded."},
		{"issues/list", "List issues assigned to the token's user across all repositories; filter (assigned, created, mentioned, subscribed, all), " +
			"state, labels and since narrow it. Pull requests are included."},
		{"issues/list-for-repo", "List a repository's issues (owner, repo): state (open, closed, all), labels (comma-separated), assignee, " +
			"creator, mentioned, milestone, since; sort and direction; page with per_page and page. Pull requests appear too (they have pull_request)."},
		{"issues/get", "Get an issue or pull request's conversation by number (owner, repo, issue_number): title, body, state, labels, assignees."},
		{"issues/create", "Open an issue (owner, repo). In body: title (required), body (Markdown), labels, assignees (logins), milestone (number)."},
		{"issues/update", "Change an issue (owner, repo, issue_number). In body: state (open or closed) to close or reopen, title, body, labels, assignees, milestone."},
		{"issues/list-comments", "Read the comments on an issue or pull request (owner, repo, issue_number), oldest first."},
		{"issues/create-comment", "Comment on an issue or pull request (owner, repo, issue_number). In body: body (Markdown)."},
		{"issues/add-labels", "Add labels to an issue or pull request (owner, repo, issue_number). In body: labels (names)."},
		{"issues/list-labels-for-repo", "List the labels defined in a repository (owner, repo)."},
		{"issues/add-assignees", "Assign users to an issue or pull request (owner, repo, issue_number). In body: assignees (up to 10 logins)."},
		{"pulls/list", "List a repository's pull requests (owner, repo): state (open, closed, all), base and head (user:branch) filter; sort and direction."},
		{"pulls/get", "Get a pull request (owner, repo, pull_number): title, body, branches, mergeable state, commits, additions and deletions."},
		{"pulls/create", "Open a pull request (owner, repo). In body: head (the branch with the changes, user:branch across forks), " +
			"base (the branch to merge into), title, body, draft."},
		{"pulls/update", "Change a pull request (owner, repo, pull_number). In body: title, body, state (open or closed), base."},
		{"pulls/merge", "Merge a pull request (owner, repo, pull_number). In body: merge_method (merge, squash or rebase), commit_title, " +
			"commit_message, sha (merge only if the head is still this commit)."},
		{"pulls/list-files", "List the files a pull request changes (owner, repo, pull_number), with patches; page with per_page and page."},
		{"pulls/list-reviews", "List the reviews of a pull request (owner, repo, pull_number) with their state (APPROVED, CHANGES_REQUESTED, COMMENTED)."},
		{"pulls/create-review", "Review a pull request (owner, repo, pull_number). In body: event (APPROVE, REQUEST_CHANGES or COMMENT), " +
			"body, comments (line comments: path, position or line, body)."},
		{"pulls/request-reviewers", "Ask users or teams to review a pull request (owner, repo, pull_number). In body: reviewers (logins), team_reviewers (team slugs)."},
		{"search/issues-and-pull-requests", "Search issues and pull requests across GitHub with search syntax in q, for example " +
			"\"repo:owner/name is:open is:pr label:bug\" or \"author:alice is:issue\"; sort (comments, created, updated) and order."},
		{"search/repos", "Search repositories with search syntax in q (\"topic:mcp language:go stars:>100\"); sort (stars, forks, updated) and order."},
		{"search/code", "Search code with search syntax in q (\"NewClient repo:owner/name language:go\"); needs a repo:, org: or user: qualifier."},
		{"actions/list-workflow-runs-for-repo", "List GitHub Actions workflow runs (owner, repo), newest first; branch, event, status " +
			"(completed, in_progress, failure, success, ...) and actor filter."},
		{"actions/create-workflow-dispatch", "Start a workflow that has a workflow_dispatch trigger (owner, repo, workflow_id: its ID or file name such as ci.yml). " +
			"In body: ref (the branch or tag, required) and inputs."},
	},
}
