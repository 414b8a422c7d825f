package smithy

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// configuredEndpoint returns the endpoint the AWS SDK's configuration sets
// for the AWS service svc, as an SDK client of that service would find it:
// AWS_ENDPOINT_URL_<SERVICE> (the sdkId upper-cased, spaces as '_'), then
// AWS_ENDPOINT_URL, then the services section and endpoint_url of the
// shared configuration's profile; none when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
// ignore_configured_endpoint_urls) is true. It returns "" for a service
// without an sdkId (not an AWS service) or when nothing is configured.
func configuredEndpoint(ctx context.Context, svc *shape) (string, error) {
	a, ok := serviceTrait(svc)
	if !ok || a.SDKID == "" {
		return "", nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", fmt.Errorf("smithy: service %s: AWS configuration: %w", svc.id, err)
	}
	type ignorer interface {
		GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
	}
	type serviceEndpoint interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(ignorer); ok {
			if ignore, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
				if ignore {
					return "", nil
				}
				break
			}
		}
	}
	ep := ""
	if cfg.BaseEndpoint != nil {
		ep = *cfg.BaseEndpoint // AWS_ENDPOINT_URL, or the profile's endpoint_url
	}
	// The global variable outranks the shared configuration's services
	// section; the service's own variable outranks both.
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, own := os.LookupEnv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(a.SDKID), " ", "_"))
	if global && !own {
		return ep, nil
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(serviceEndpoint); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, a.SDKID)
			if err != nil {
				return "", fmt.Errorf("smithy: service %s: configured endpoint: %w", svc.id, err)
			}
			if found {
				return v, nil
			}
		}
	}
	return ep, nil
}
