package templates

var slack = definition{
	name:      "slack",
	title:     "Slack",
	agentCore: "Slack",
	description: "Slack Web API: post, update and schedule messages, read channel history and threads, " +
		"find channels and users, manage channels, reactions, pins, files, reminders and search.",
	auth: "Bearer token in Authorization (Options.Token): a bot token (xoxb-...) or a user token (xoxp-...), " +
		"as Slack documents for every Web API method; the spec's token parameter is hidden. " +
		"search.messages needs a user token.",
	licence: "MIT",
	source:  "slackapi/slack-api-specs web-api/slack_web_openapi_v2.json @ bc08db49625630e3585bf2f1322128ea04f2a7f3",
	spec:    "slack/slack_web_openapi_v2.json.gz",
	hide:    []string{"token"},
	preset:  bearerPreset("https://slack.com/api", "a Slack bot or user token"),
	ops: []operation{
		{"chat_postMessage", "Post a message to a channel, a direct message or a thread. Use this to say something in Slack. " +
			"In body: channel (required: a channel ID such as C0123ABC, or a user ID to DM them), text (mrkdwn), " +
			"thread_ts (the parent message's ts to reply in its thread), blocks (Block Kit layout as a JSON string). " +
			"The answer's ts identifies the message for updates, reactions and replies."},
		{"chat_update", "Edit a message already posted. In body: channel and ts (both required, from when it was posted) " +
			"and the new text or blocks."},
		{"chat_delete", "Delete a message. In body: channel and ts of the message. Bots can delete only their own messages."},
		{"chat_postEphemeral", "Show a message to one user in a channel, visible only to them and not kept in history. " +
			"In body: channel, user (the user ID who sees it) and text."},
		{"chat_scheduleMessage", "Schedule a message to be posted later. In body: channel, text and post_at " +
			"(Unix time in seconds, within 120 days); thread_ts to schedule a thread reply."},
		{"chat_getPermalink", "Get a shareable link to a message. Give channel and message_ts (the message's ts)."},
		{"conversations_list", "List channels in the workspace, to find a channel's ID from its name. " +
			"types filters (public_channel, private_channel, mpim, im; comma-separated), exclude_archived=true hides archived ones; " +
			"page with limit and the cursor from response_metadata.next_cursor."},
		{"conversations_history", "Read a channel's messages, newest first. Give channel (its ID); oldest and latest " +
			"(message ts values) bound the time range; page with limit and cursor. Thread replies are not included: use conversations_replies."},
		{"conversations_replies", "Read a thread: the parent message and its replies. Give channel and ts (the parent message's ts); page with limit and cursor."},
		{"conversations_info", "Get a channel's details (name, topic, purpose, membership, archived state) by its ID (channel). " +
			"include_num_members=true adds the member count."},
		{"conversations_members", "List the user IDs of a channel's members. Give channel; page with limit and cursor."},
		{"conversations_create", "Create a channel. In body: name (lowercase, no spaces or periods, at most 80 characters) and is_private."},
		{"conversations_join", "Join a public channel so the token's user or bot can read and post there. In body: channel (its ID)."},
		{"conversations_invite", "Invite users to a channel. In body: channel and users (comma-separated user IDs, up to 1000)."},
		{"conversations_open", "Open (or resume) a direct message or group DM and get its channel ID. In body: users " +
			"(one user ID for a DM, up to 8 comma-separated for a group DM). Post to it with chat_postMessage."},
		{"conversations_setTopic", "Set a channel's topic. In body: channel and topic."},
		{"conversations_setPurpose", "Set a channel's purpose (description). In body: channel and purpose."},
		{"conversations_archive", "Archive a channel: it becomes read-only and leaves channel lists. In body: channel."},
		{"users_list", "List the workspace's users with their IDs, names, profiles and status flags. Page with limit and cursor. " +
			"To find one person by email use users_lookupByEmail."},
		{"users_info", "Get one user's details (name, real name, time zone, profile, admin and bot flags) by user ID (user)."},
		{"users_lookupByEmail", "Find a user by email address (email) and get their user ID and profile."},
		{"users_getPresence", "Tell whether a user is active or away right now. Give user (a user ID)."},
		{"users_profile_get", "Get a user's profile (display name, title, phone, status text and emoji, custom fields). " +
			"user is the user ID; without it, the token's own user."},
		{"users_conversations", "List the channels a user is a member of (the token's user by default, or user). " +
			"types filters channel kinds as in conversations_list; page with limit and cursor."},
		{"reactions_add", "Add an emoji reaction to a message. In body: channel, timestamp (the message's ts) and name " +
			"(the emoji name without colons, such as thumbsup)."},
		{"reactions_remove", "Remove an emoji reaction from a message. In body: channel, timestamp and name."},
		{"reactions_get", "List the reactions on a message. Give channel and timestamp (the message's ts); full=true for every reacting user."},
		{"pins_add", "Pin a message to a channel. In body: channel and timestamp (the message's ts)."},
		{"pins_list", "List the items pinned in a channel. Give channel."},
		{"files_list", "List files shared in the workspace, a channel (channel) or by a user (user). types filters " +
			"(images, pdfs, snippets, ...); ts_from and ts_to bound the time; page with count and page."},
		{"files_info", "Get a file's details and its comments by file ID (file)."},
		{"search_messages", "Search messages across the workspace with Slack's search syntax (query, for example " +
			"\"deploy in:#ops from:@alice after:2024-01-01\"). sort is score or timestamp; page with count and page. Needs a user token."},
		{"team_info", "Get the workspace's name, domain, email domain and icon."},
		{"auth_test", "Check that the token works and tell which user or bot, workspace and URL it belongs to."},
		{"reminders_add", "Create a reminder. In body: text, time (a Unix time, or natural language such as \"in 15 minutes\" " +
			"or \"every Thursday\") and user (whom to remind; default the token's user)."},
		{"usergroups_list", "List the workspace's user groups (handles such as @oncall) with their IDs. include_users=true adds member IDs."},
	},
}
