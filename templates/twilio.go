package templates

// twilioPage describes Twilio's list pagination.
const twilioPage = " Page with PageSize (at most 1000) and the next_page_uri's PageToken."

var twilio = definition{
	name:  "twilio",
	title: "Twilio",
	description: "Twilio REST API 2010-04-01: send, list, redact and delete SMS and MMS messages; place, list, redirect and end " +
		"calls; recordings and conferences; find, buy and configure phone numbers; balance and usage.",
	auth: "HTTP basic authentication with the Account SID as user name and the auth token as password (Options.Username " +
		"and Options.Password), or an API key SID and secret with Options.AccountSID naming the account, as Twilio " +
		"documents. The Account SID fills every {AccountSid} in the paths, so it is not a tool argument.",
	licence: "MIT",
	source:  "twilio/twilio-oai spec/json/twilio_api_v2010.json @ d50069b44ea8cd23141385bdb6db48f16ff75bb5",
	spec:    "twilio/twilio_api_v2010.json.gz",
	preset:  twilioPreset,
	ops: []operation{
		{"CreateMessage", "Send an SMS, MMS or WhatsApp message. In body: To (required, E.164 such as +14155550100, or whatsapp:+1...), " +
			"From (one of the account's numbers) or MessagingServiceSid, Body (the text) and/or MediaUrl (media to attach); " +
			"StatusCallback gets delivery updates."},
		{"ListMessage", "List messages, newest first; To, From and DateSent (YYYY-MM-DD; DateSent< and DateSent> for ranges) filter." + twilioPage},
		{"FetchMessage", "Get a message by SID (Sid, SM... or MM...): status (queued, sent, delivered, failed, ...), error code, price, body."},
		{"UpdateMessage", "Redact a message's text (body Body set to \"\") or cancel a scheduled message (body Status=canceled); Sid is the message SID."},
		{"DeleteMessage", "Delete a message record (Sid) from the account. This cannot be undone."},
		{"CreateCall", "Place an outgoing phone call. In body: To and From (E.164 numbers, required) and what the call does: Url " +
			"(a TwiML URL), Twiml (TwiML instructions inline, such as <Response><Say>Hello</Say></Response>) or ApplicationSid; " +
			"Record, StatusCallback and Timeout are optional."},
		{"ListCall", "List calls, newest first; To, From, Status (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled) " +
			"and StartTime/EndTime (with < or > for ranges) filter." + twilioPage},
		{"FetchCall", "Get a call by SID (Sid, CA...): status, direction, duration, price, start and end times."},
		{"UpdateCall", "Change a live call (Sid): body Status=completed hangs it up (canceled for a queued call); Url or Twiml redirects it to new instructions."},
		{"ListRecording", "List the account's call recordings, newest first; CallSid, ConferenceSid and DateCreated filter." + twilioPage},
		{"FetchRecording", "Get a recording's metadata by SID (Sid, RE...): duration, call, status. Its audio is at the media URL in the answer."},
		{"ListCallRecording", "List the recordings of one call (CallSid)."},
		{"ListConference", "List conferences, newest first; FriendlyName, Status (init, in-progress, completed) and DateCreated filter." + twilioPage},
		{"ListIncomingPhoneNumber", "List the phone numbers the account owns, with their SIDs and the SMS and voice URLs they use; " +
			"PhoneNumber and FriendlyName filter."},
		{"FetchIncomingPhoneNumber", "Get one owned phone number by SID (Sid, PN...) with its configuration."},
		{"UpdateIncomingPhoneNumber", "Configure an owned phone number (Sid): body SmsUrl and VoiceUrl (webhooks for incoming messages and calls), " +
			"their methods, FriendlyName."},
		{"CreateIncomingPhoneNumber", "Buy a phone number for the account. In body: PhoneNumber (one found with the ListAvailablePhoneNumber tools) " +
			"or AreaCode; SmsUrl, VoiceUrl and FriendlyName configure it. This costs money."},
		{"ListAvailablePhoneNumberLocal", "Find local numbers available to buy in a country (CountryCode, ISO such as US or GB): AreaCode, " +
			"Contains (digits or a pattern such as 555****), InRegion, InPostalCode, SmsEnabled and VoiceEnabled narrow it."},
		{"ListAvailablePhoneNumberMobile", "Find mobile numbers available to buy in a country (CountryCode); Contains, SmsEnabled and VoiceEnabled narrow it."},
		{"ListAvailablePhoneNumberTollFree", "Find toll-free numbers available to buy in a country (CountryCode); AreaCode and Contains narrow it."},
		{"FetchBalance", "Get the account's current balance and its currency."},
		{"ListUsageRecord", "Report usage and cost by category (Category such as sms, calls, phonenumbers) between StartDate and EndDate (YYYY-MM-DD)." + twilioPage},
	},
}
