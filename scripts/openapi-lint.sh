#!/usr/bin/env bash
# Lints psbox's OpenAPI 3.1 document (psbox openapi, in JSON and in YAML)
# with Redocly's linter, recommended rules plus a few stricter ones. Needs
# Go and npx (Node.js); go test never runs this.
#
#   scripts/openapi-lint.sh                    # the built-in catalog
#   scripts/openapi-lint.sh --catalog my-events
set -euo pipefail
cd "$(dirname "$0")/.."

REDOCLY="@redocly/cli@${REDOCLY_VERSION:-2.77.0}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/psbox" .
"$tmp/psbox" openapi --format json "$@" > "$tmp/psbox-openapi.json"
"$tmp/psbox" openapi --format yaml "$@" > "$tmp/psbox-openapi.yaml"

cat > "$tmp/redocly.yaml" <<'YAML'
extends:
  - recommended
rules:
  # GET /_psbox/health and GET /_psbox/openapi.json need no auth and take
  # no input: they have no 4xx answer to describe. Every other operation
  # lists its 4xx answers, which the handler tests validate.
  operation-4xx-response: off
  no-server-example.com: error
  operation-operationId-unique: error
  operation-operationId-url-safe: error
  no-unused-components: error
  no-invalid-media-type-examples: error
  no-invalid-schema-examples: error
YAML

cd "$tmp"
for f in psbox-openapi.json psbox-openapi.yaml; do
  echo "== $f"
  npx --yes "$REDOCLY" lint --config redocly.yaml "$f"
done
