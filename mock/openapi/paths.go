package openapi

import "fmt"

// The routes of the mock: PartnerStack's five webhook operations and
// psbox's own /_psbox/* routes. Keep them in step with mock.NewServer and
// the handlers mounted in serve; the validation tests check every answer
// of the mock's handler tests against this description.

// Page sizes of the two list routes, from 1 to the maximum: the server
// enforces them (mock's listWebhooks and DeliveriesHandler) and this
// document states them, both from here.
const (
	WebhooksMaxLimit       = 250
	WebhooksDefaultLimit   = 10
	DeliveriesMaxLimit     = 1000
	DeliveriesDefaultLimit = 50
)

// limitParam is a list route's limit query parameter.
func limitParam(desc string, maxLimit, def int) obj {
	return query("limit", fmt.Sprintf("%s, 1 to %d", desc, maxLimit), obj{{"type", "integer"}, {"minimum", 1}, {"maximum", maxLimit}, {"default", def}})
}

func jsonContent(schema obj) obj {
	return obj{{"application/json", obj{{"schema", schema}}}}
}

func answer(desc, schema string) obj {
	return obj{
		{"description", desc},
		{"headers", obj{{"X-Psbox-Version", obj{{"$ref", "#/components/headers/Version"}}}}},
		{"content", jsonContent(ref(schema))},
	}
}

func respRef(name string) obj { return obj{{"$ref", "#/components/responses/" + name}} }

func keyParam() obj {
	return obj{{"name", "key"}, {"in", "path"}, {"required", true}, {"description", "the webhook's key"}, {"schema", obj{{"type", "string"}}}}
}

func query(name, desc string, schema obj) obj {
	return obj{{"name", name}, {"in", "query"}, {"required", false}, {"description", desc}, {"schema", schema}}
}

func body(desc, schema string) obj {
	return obj{{"required", true}, {"description", desc}, {"content", jsonContent(ref(schema))}}
}

// errs lists the error answers of an operation by status, then "default".
func errs(codes ...string) obj {
	names := map[string]string{
		"400": "BadRequest", "401": "Unauthorized", "404": "NotFound", "409": "Conflict",
		"413": "TooLarge", "415": "UnsupportedMediaType",
	}
	o := obj{}
	for _, c := range codes {
		o = o.set(c, respRef(names[c]))
	}
	return o.set("default", respRef("Error"))
}

func responses(ok obj, errors obj) obj {
	return append(obj{{"200", ok}}, errors...)
}

func paths() obj {
	noAuth := []any{}
	return obj{
		{"/api/v2/webhooks", obj{
			{"get", obj{
				{"operationId", "listWebhooks"}, {"tags", []string{"webhooks"}},
				{"summary", "List webhooks, newest first"},
				{"description", "Pages by key: starting_after gives the page after a key, ending_before the page before it; they cannot be combined."},
				{"parameters", []any{
					limitParam("page size", WebhooksMaxLimit, WebhooksDefaultLimit),
					query("starting_after", "the key after which the page starts", obj{{"type", "string"}}),
					query("ending_before", "the key before which the page ends", obj{{"type", "string"}}),
				}},
				{"responses", responses(answer("a page of webhooks", "WebhookListAnswer"), errs("400", "401"))},
			}},
			{"post", obj{
				{"operationId", "createWebhook"}, {"tags", []string{"webhooks"}},
				{"summary", "Create a webhook"},
				{"description", "Answers 200, as PartnerStack's API does for a create."},
				{"requestBody", body("the target URL and the events it receives", "WebhookCreate")},
				{"responses", responses(answer("the new webhook", "WebhookAnswer"), errs("400", "401", "413", "415"))},
			}},
		}},
		{"/api/v2/webhooks/{key}", obj{
			{"parameters", []any{keyParam()}},
			{"get", obj{
				{"operationId", "getWebhook"}, {"tags", []string{"webhooks"}},
				{"summary", "Retrieve a webhook"},
				{"responses", responses(answer("the webhook", "WebhookAnswer"), errs("401", "404"))},
			}},
			{"patch", obj{
				{"operationId", "updateWebhook"}, {"tags", []string{"webhooks"}},
				{"summary", "Change a webhook's target and/or events"},
				{"description", "Only the fields sent change. An archived webhook cannot change (409, psbox's choice)."},
				{"requestBody", body("the fields to change", "WebhookUpdate")},
				{"responses", responses(answer("the changed webhook", "WebhookAnswer"), errs("400", "401", "404", "409", "413", "415"))},
			}},
			{"delete", obj{
				{"operationId", "archiveWebhook"}, {"tags", []string{"webhooks"}},
				{"summary", "Archive a webhook"},
				{"description", "psbox's choice: the webhook stays in list and retrieve with archived true and never receives events again."},
				{"responses", responses(answer("the archived webhook", "WebhookAnswer"), errs("401", "404"))},
			}},
		}},
		{"/_psbox/health", obj{
			{"get", obj{
				{"operationId", "health"}, {"tags", []string{"sandbox"}},
				{"summary", "Readiness check (no auth)"},
				{"security", noAuth},
				{"responses", responses(answer("psbox is up", "HealthAnswer"), errs())},
			}},
		}},
		{"/_psbox/events", obj{
			{"post", obj{
				{"operationId", "fireEvent"}, {"tags", []string{"sandbox"}},
				{"summary", "Fire an event at its subscriptions or at a target"},
				{"description", "Builds the event's payload from seed, set and unset and delivers it. A failed delivery still answers 200: each result says how it ended. No subscription and no target: 409."},
				{"requestBody", body("the event to fire", "FireRequest")},
				{"responses", responses(answer("the deliveries made", "FireAnswer"), errs("400", "401", "409", "413", "415"))},
			}},
		}},
		{"/_psbox/deliveries", obj{
			{"get", obj{
				{"operationId", "listDeliveries"}, {"tags", []string{"sandbox"}},
				{"summary", "Recorded exchanges, newest first"},
				{"parameters", []any{
					query("event", "only this event's deliveries", obj{{"type", "string"}}),
					query("delivery_id", "only this delivery's attempts", obj{{"type", "string"}}),
					query("failed", "only failed attempts", obj{{"type", "boolean"}}),
					query("kind", "delivery (what psbox sent), api (calls to the mock API) or audit (what psbox audit sent)", obj{{"type", "string"}, {"enum", exchangeKinds}}),
					limitParam("at most this many", DeliveriesMaxLimit, DeliveriesDefaultLimit),
				}},
				{"responses", responses(answer("the exchanges", "DeliveriesAnswer"), errs("400", "401"))},
			}},
		}},
		{Path, obj{
			{"get", obj{
				{"operationId", "openapi"}, {"tags", []string{"sandbox"}},
				{"summary", "This document (no auth)"},
				{"security", noAuth},
				{"responses", obj{
					{"200", obj{
						{"description", "the OpenAPI 3.1 document"},
						{"headers", obj{{"X-Psbox-Version", obj{{"$ref", "#/components/headers/Version"}}}}},
						{"content", jsonContent(obj{
							{"type", "object"},
							{"properties", obj{{"openapi", obj{{"type", "string"}, {"pattern", "^3\\.1\\."}}}, {"info", obj{{"type", "object"}}}}},
							{"required", []string{"openapi", "info"}},
						})},
					}},
					{"default", respRef("Error")},
				}},
			}},
		}},
	}
}

func errorResponses() obj {
	e := func(desc string) obj { return answer(desc, "ErrorAnswer") }
	unauth := e("missing or wrong credentials")
	unauth = append(obj{unauth[0]}, kv{"headers", obj{
		{"X-Psbox-Version", obj{{"$ref", "#/components/headers/Version"}}},
		{"WWW-Authenticate", obj{{"description", `Basic realm="psbox"`}, {"schema", obj{{"type", "string"}}}}},
	}}, unauth[2])
	return obj{
		{"BadRequest", e("the request was wrong; the message names the field and how to fix it")},
		{"Unauthorized", unauth},
		{"NotFound", e("no webhook has that key")},
		{"Conflict", e("the webhook is archived, or (POST /_psbox/events) no webhook subscribes to the event")},
		{"TooLarge", e("the body is larger than 1 MiB")},
		{"UnsupportedMediaType", e("the body is not sent as application/json")},
		{"Error", e("any other error: an unknown route (404), a wrong method (405) or a fault in psbox (500)")},
	}
}

func envelope(desc string, data obj, status obj) obj {
	return obj{
		{"description", desc},
		{"type", "object"},
		{"properties", obj{
			{"data", data},
			{"message", obj{{"type", "string"}, {"minLength", 1}}},
			{"status", status},
		}},
		{"required", []string{"data", "message", "status"}},
		{"additionalProperties", false},
	}
}

func apiSchemas(events []string) obj {
	eventName := obj{{"type", "string"}, {"enum", events}}
	ok := obj{{"const", 200}}
	target := obj{{"type", "string"}, {"description", "an http or https URL"}, {"examples", []string{"https://example.com/webhooks"}}}
	eventList := obj{{"type", "array"}, {"items", eventName}, {"minItems", 1}, {"uniqueItems", true}}
	headers := obj{{"type", "object"}, {"additionalProperties", obj{{"type", "array"}, {"items", obj{{"type", "string"}}}}}}
	recBody := obj{
		{"description", "the bytes as text, or {\"base64\": ...} when they are not UTF-8"},
		{"anyOf", []any{
			obj{{"type", "string"}},
			obj{{"type", "object"}, {"properties", obj{{"base64", obj{{"type", "string"}}}}}, {"required", []string{"base64"}}},
		}},
	}
	return obj{
		{"Webhook", obj{
			{"type", "object"},
			{"properties", obj{
				{"key", obj{{"type", "string"}, {"pattern", "^whook_[0-9A-Za-z]{14}$"}}},
				{"target", obj{{"type", "string"}, {"format", "uri"}}},
				{"events", obj{{"type", "array"}, {"items", obj{{"type", "string"}}}}},
				{"archived", obj{{"type", "boolean"}}},
				{"created_at", obj{{"type", "integer"}, {"description", "epoch milliseconds"}}},
				{"updated_at", obj{{"type", "integer"}, {"description", "epoch milliseconds"}}},
			}},
			{"required", []string{"key", "target", "events", "archived", "created_at", "updated_at"}},
			{"additionalProperties", false},
		}},
		{"WebhookCreate", obj{
			{"type", "object"},
			{"properties", obj{
				{"target", target},
				{"target_url", obj{{"type", "string"}, {"description", "another name for target (send one of them)"}}},
				{"events", eventList},
			}},
			{"required", []string{"events"}},
			{"oneOf", []any{obj{{"required", []string{"target"}}}, obj{{"required", []string{"target_url"}}}}},
			{"additionalProperties", false},
		}},
		{"WebhookUpdate", obj{
			{"type", "object"},
			{"properties", obj{
				{"target", target},
				{"target_url", obj{{"type", "string"}, {"description", "another name for target (send one of them)"}}},
				{"events", eventList},
			}},
			{"minProperties", 1},
			{"additionalProperties", false},
		}},
		{"WebhookAnswer", envelope("one webhook", ref("Webhook"), ok)},
		{"WebhookListAnswer", envelope("a page of webhooks", obj{
			{"type", "object"},
			{"properties", obj{{"items", obj{{"type", "array"}, {"items", ref("Webhook")}}}, {"has_more", obj{{"type", "boolean"}}}}},
			{"required", []string{"items", "has_more"}},
			{"additionalProperties", false},
		}, ok)},
		{"ErrorAnswer", envelope("an error; message says what was wrong and how to fix it", obj{{"type", "null"}}, obj{{"type", "integer"}, {"minimum", 400}, {"maximum", 599}})},
		{"HealthAnswer", envelope("psbox is up", obj{
			{"type", "object"},
			{"properties", obj{
				{"status", obj{{"const", "ok"}}},
				{"version", obj{{"type", "string"}}},
				{"webhooks", obj{{"type", "integer"}, {"minimum", 0}}},
			}},
			{"required", []string{"status", "version", "webhooks"}},
		}, ok)},
		{"FireRequest", obj{
			{"type", "object"},
			{"properties", obj{
				{"event", eventName},
				{"set", obj{{"type", "object"}, {"description", "payload path -> JSON value; a path starting with + adds a field"}}},
				{"unset", obj{{"type", "array"}, {"items", obj{{"type", "string"}}}, {"description", "payload paths to remove"}}},
				{"seed", obj{{"type", "integer"}, {"description", "the same seed gives the same payload; random when left out"}}},
				{"target", obj{{"type", "string"}, {"description", "deliver here instead of to the event's subscriptions"}}},
			}},
			{"required", []string{"event"}},
			{"additionalProperties", false},
		}},
		{"DeliveryResult", obj{
			{"type", "object"},
			{"description", "how one delivery ended (its final attempt)"},
			{"properties", obj{
				{"delivery_id", obj{{"type", "string"}, {"pattern", "^dlv_"}}},
				{"event", obj{{"type", "string"}}},
				{"target", obj{{"type", "string"}}},
				{"replay_of", obj{{"type", "string"}, {"description", "the delivery this one replayed"}}},
				{"ok", obj{{"type", "boolean"}}},
				{"status", obj{{"type", "integer"}, {"description", "0 when nothing answered"}}},
				{"error_reason", obj{{"type", "string"}, {"description", "the failure class, as in the delivery log"}}},
				{"error", obj{{"type", "string"}}},
				{"attempts", obj{{"type", "integer"}, {"minimum", 0}}},
				{"duration_ns", obj{{"type", "integer"}, {"description", "the final attempt's duration in nanoseconds"}}},
				{"total_ns", obj{{"type", "integer"}, {"description", "every attempt and wait, in nanoseconds"}}},
				{"response_headers", headers},
				{"response_body", obj{{"type", "string"}}},
				{"truncated", obj{{"type", "boolean"}}},
			}},
			{"required", []string{"delivery_id", "event", "target", "ok", "status"}},
		}},
		{"FireAnswer", envelope("the deliveries made", obj{
			{"type", "object"},
			{"properties", obj{
				{"seed", obj{{"type", "integer"}}},
				{"deliveries", obj{{"type", "array"}, {"items", ref("DeliveryResult")}}},
			}},
			{"required", []string{"seed", "deliveries"}},
		}, ok)},
		{"Exchange", obj{
			{"type", "object"},
			{"description", "one recorded HTTP exchange: a delivery attempt or a call to the mock API"},
			{"properties", obj{
				{"id", obj{{"type", "string"}}},
				{"kind", obj{{"type", "string"}, {"enum", exchangeKinds}}},
				{"delivery_id", obj{{"type", "string"}}},
				{"event", obj{{"type", "string"}}},
				{"attempt", obj{{"type", "integer"}}},
				{"target", obj{{"type", "string"}}},
				{"request", obj{
					{"type", "object"},
					{"properties", obj{{"method", obj{{"type", "string"}}}, {"url", obj{{"type", "string"}}}, {"headers", headers}, {"body", recBody}, {"truncated", obj{{"type", "boolean"}}}}},
					{"required", []string{"method", "url"}},
				}},
				{"response", obj{
					{"type", "object"},
					{"properties", obj{{"status", obj{{"type", "integer"}}}, {"headers", headers}, {"body", recBody}, {"truncated", obj{{"type", "boolean"}}}}},
					{"required", []string{"status"}},
				}},
				{"error_reason", obj{{"type", "string"}}},
				{"error", obj{{"type", "string"}}},
				{"start", obj{{"type", "string"}, {"format", "date-time"}}},
				{"duration_ns", obj{{"type", "integer"}}},
			}},
			{"required", []string{"id", "kind", "target", "request", "start"}},
		}},
		{"DeliveriesAnswer", envelope("recorded exchanges, newest first", obj{
			{"type", "object"},
			{"properties", obj{{"items", obj{{"type", "array"}, {"items", ref("Exchange")}}}}},
			{"required", []string{"items"}},
		}, ok)},
	}
}

// exchangeKinds are recorder.Kinds as text (this package does not import
// recorder; TestExchangeKinds_MatchRecorder keeps them equal).
var exchangeKinds = []string{"delivery", "api", "audit"}
