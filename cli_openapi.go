package main

import (
	"github.com/psbox-dev/psbox/mock/openapi"
	"github.com/spf13/cobra"
)

func newOpenAPICmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "openapi",
		Short: "Print the OpenAPI 3.1 document of the mock API and the events",
		Long: `Print one OpenAPI 3.1 document: PartnerStack's five /api/v2/webhooks
operations as psbox mocks them (envelope, errors, Basic and Bearer auth),
psbox's own /_psbox/* routes, and under "webhooks" every catalog event
(your catalog folder's too) with a JSON Schema of its payload, an example
built with seed 1, and x-psbox-confirmed / x-psbox-source saying whether
PartnerStack published the event and where its payload comes from.

PartnerStack publishes no such document; this one is psbox's. Feed it to a
code generator, Microcks, or an event-type import. psbox serve serves the
same document at GET /_psbox/openapi.json, without auth.`,
		Example: `  psbox openapi > psbox-openapi.json
  psbox openapi --format yaml > psbox-openapi.yaml
  psbox openapi | jq '.webhooks | keys'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" && format != "yaml" {
				return usageError("--format %q is not known; use --format json or --format yaml", format)
			}
			cat, err := g.catalog()
			if err != nil {
				return err
			}
			doc, err := openapi.Document(cat, version)
			if err != nil {
				return asUsage(err)
			}
			if format == "yaml" {
				if doc, err = openapi.YAML(doc); err != nil {
					return err
				}
			}
			_, err = cmd.OutOrStdout().Write(doc)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "json or yaml")
	return cmd
}
