package templates

// asanaData reminds a model of Asana's request envelope.
const asanaData = ` Asana wraps writes in data: body {"data": {...}}. Objects are identified by gid strings.`

var asana = definition{
	name:      "asana",
	title:     "Asana",
	agentCore: "Asana",
	description: "Asana REST API: workspaces, teams, users, projects and sections; find, search, create, update, " +
		"complete and delete tasks and subtasks; comments, followers, tags.",
	auth: "Personal access token (or an OAuth 2.0 access token) as a bearer token in Authorization (Options.Token), " +
		"as Asana documents.",
	licence: "Apache-2.0",
	source:  "Asana/openapi defs/asana_oas.yaml @ fc9f8dcf224efa8e06bfc955d91dd95aac7a398d",
	spec:    "asana/asana_oas.yaml.gz",
	preset:  bearerPreset("", "an Asana personal access token"),
	ops: []operation{
		{"getWorkspaces", "List the workspaces and organizations the user belongs to, with their gids. Most other calls need a workspace gid: start here."},
		{"getUsersForWorkspace", "List the users of a workspace (workspace_gid), to find someone's gid for assigning or following."},
		{"getUser", "Get a user's name, email and workspaces by gid (user_gid); user_gid \"me\" is the token's user."},
		{"getTeamsForWorkspace", "List the teams of an organization (workspace_gid) that the user can see."},
		{"getProjects", "List projects, filtered by workspace or team (one is required) and archived. opt_fields adds fields " +
			"(such as name,owner,due_on); page with limit and offset."},
		{"getProjectsForWorkspace", "List all projects of a workspace (workspace_gid); archived filters. For a team's projects use getProjects with team."},
		{"getProject", "Get a project's details by gid (project_gid): name, owner, members, dates, notes, status."},
		{"createProject", "Create a project: body.data needs name and workspace (or team in an organization); notes, " +
			"due_on, color and public are optional." + asanaData},
		{"updateProject", "Change a project's fields (project_gid): only those in body.data change (name, notes, due_on, archived, owner)." + asanaData},
		{"getSectionsForProject", "List a project's sections (columns on a board) with their gids (project_gid)."},
		{"createSectionForProject", "Add a section to a project (project_gid): body.data.name." + asanaData},
		{"addTaskForSection", "Move a task into a section (section_gid): body.data.task is the task gid; insert_before or insert_after place it." + asanaData},
		{"getTasks", "List tasks filtered by project, section, or assignee with workspace (one of project, section or assignee+workspace is required); " +
			"completed_since=now returns only incomplete tasks; opt_fields adds fields (name,due_on,assignee,completed)."},
		{"getTasksForProject", "List the tasks of a project in their order (project_gid); completed_since=now for incomplete ones only."},
		{"getTasksForSection", "List the tasks in a section (section_gid)."},
		{"searchTasksForWorkspace", "Search tasks in a workspace (workspace_gid) like Asana's advanced search: text, assignee.any, " +
			"projects.any, completed, due_on.before/after, modified_at.after and more; sort_by (due_date, created_at, modified_at, likes). " +
			"Needs a paid workspace."},
		{"getTask", "Get a task's full record by gid (task_gid): name, notes, assignee, due date, completion, projects, tags, custom fields, parent."},
		{"createTask", "Create a task: body.data with name and workspace or projects (gids); assignee (a gid, \"me\" or an email), " +
			"due_on (YYYY-MM-DD), notes, followers, parent are optional." + asanaData},
		{"updateTask", "Change a task (task_gid): only the fields in body.data change, for example {\"completed\":true} to complete it, " +
			"assignee, due_on, name, notes." + asanaData},
		{"deleteTask", "Delete a task (task_gid). It goes to the user's trash and can be restored for 30 days."},
		{"getSubtasksForTask", "List a task's subtasks (task_gid)."},
		{"createSubtaskForTask", "Create a subtask under a task (task_gid): body.data with name and optionally assignee, due_on, notes." + asanaData},
		{"getStoriesForTask", "Read a task's activity and comments (task_gid), oldest first; comments have type \"comment\"."},
		{"createStoryForTask", "Comment on a task (task_gid): body.data.text (plain) or html_text." + asanaData},
		{"addFollowersForTask", "Add followers to a task (task_gid): body.data.followers is a list of user gids or emails." + asanaData},
		{"addProjectForTask", "Add a task (task_gid) to another project: body.data.project, optionally section or insert_before/insert_after." + asanaData},
		{"addTagForTask", "Tag a task (task_gid): body.data.tag is the tag's gid (see getTagsForWorkspace)." + asanaData},
		{"getTagsForWorkspace", "List the tags of a workspace (workspace_gid) with their gids."},
		{"typeaheadForWorkspace", "Find objects by name quickly (workspace_gid): resource_type is task, project, user, tag, portfolio or " +
			"goal; query is the text. Use it to turn a name into a gid."},
	},
}
