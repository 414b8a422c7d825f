package templates

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/toolgate/toolgate/credentials"
)

var (
	// siteLabel is one DNS label: a Jira Cloud site's subdomain.
	siteLabel = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// cloudID is an Atlassian cloud ID (a UUID) or any token of its alphabet.
	cloudID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	// twilioSID is a Twilio SID ("AC" and 32 hex digits); any alphanumeric
	// token is accepted, so test credentials work.
	twilioSID = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// jiraPreset: basic authentication (account email and API token) to the
// site, or an OAuth 2.0 (3LO) access token to api.atlassian.com with the
// site's cloud ID, as Atlassian documents for Jira Cloud.
func jiraPreset(o *Options) (preset, error) {
	if err := noSite(o, "Site", "CloudID"); err != nil {
		return preset{}, err
	}
	basic := o.Username != "" || !o.Password.IsZero()
	var p preset
	switch {
	case o.Credentials != nil && (basic || !o.Token.IsZero()):
		return preset{}, errors.New("set Credentials alone, without Token, Username or Password")
	case o.Credentials != nil:
		p.creds = o.Credentials
	case basic && !o.Token.IsZero():
		return preset{}, errors.New("set either Username and Password (account email and API token) or Token (OAuth 2.0 access token), not both")
	case basic:
		if o.Username == "" || o.Password.IsZero() {
			return preset{}, errors.New("basic authentication needs Username (the account email) and Password (an API token)")
		}
		c, err := credentials.NewBasic(o.Username, o.Password)
		if err != nil {
			return preset{}, err
		}
		p.creds = c
	case !o.Token.IsZero():
		c, err := credentials.NewBearer(o.Token)
		if err != nil {
			return preset{}, err
		}
		p.creds = c
	default:
		return preset{}, errors.New("needs Username and Password (account email and API token), Token (OAuth 2.0 access token) or Credentials")
	}
	if o.BaseURL != "" {
		return p, nil
	}
	switch {
	case o.CloudID != "":
		if !cloudID.MatchString(o.CloudID) {
			return preset{}, fmt.Errorf("CloudID %q: want the site's cloud ID (letters, digits, '-')", o.CloudID)
		}
		p.baseURL = "https://api.atlassian.com/ex/jira/" + o.CloudID
	case !o.Token.IsZero():
		return preset{}, errors.New("an OAuth 2.0 token is accepted only on https://api.atlassian.com/ex/jira/{cloudId}: set CloudID (or BaseURL)")
	case o.Site != "":
		site := strings.TrimSuffix(strings.ToLower(o.Site), ".atlassian.net")
		if !siteLabel.MatchString(site) {
			return preset{}, fmt.Errorf("Site %q: want your-domain or your-domain.atlassian.net", o.Site)
		}
		p.baseURL = "https://" + site + ".atlassian.net"
	default:
		return preset{}, errors.New("needs Site (your-domain of https://your-domain.atlassian.net), CloudID or BaseURL")
	}
	return p, nil
}

// twilioPreset: basic authentication with the Account SID (or an API key
// SID) and the auth token (or the key's secret); the Account SID fills
// every {AccountSid} in the paths, which is then not a tool argument.
func twilioPreset(o *Options) (preset, error) {
	if err := noSite(o, "AccountSID"); err != nil {
		return preset{}, err
	}
	sid := o.AccountSID
	if sid == "" {
		sid = o.Username
	}
	if sid == "" {
		return preset{}, errors.New("needs AccountSID or Username (the Account SID)")
	}
	if !twilioSID.MatchString(sid) {
		return preset{}, fmt.Errorf("Account SID %q: want letters and digits (AC...)", sid)
	}
	p := preset{values: map[string]string{"path:AccountSid": sid}}
	switch {
	case o.Credentials != nil && (!o.Token.IsZero() || !o.Password.IsZero()):
		return preset{}, errors.New("set Credentials alone, without Token or Password")
	case o.Credentials != nil:
		p.creds = o.Credentials
	case !o.Token.IsZero():
		return preset{}, errors.New("takes Username and Password (Account SID and auth token), not Token")
	case o.Password.IsZero():
		return preset{}, errors.New("needs Password (the auth token, or an API key's secret)")
	default:
		user := o.Username
		if user == "" {
			user = sid
		}
		c, err := credentials.NewBasic(user, o.Password)
		if err != nil {
			return preset{}, err
		}
		p.creds = c
	}
	return p, nil
}
