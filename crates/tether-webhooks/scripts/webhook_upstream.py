#!/usr/bin/env python3
"""Turn a provider's webhook payload schemas into an upstream description that
`cargo xtask contract extract` can trim: one `POST /<event>` operation per event whose
request body is the payload. Run by hand when a payload contract is (re)made; the build
and the tests never run it and never read the upstream files.

    python3 crates/tether-webhooks/scripts/webhook_upstream.py github  UPSTREAM.json OUT.json
    python3 crates/tether-webhooks/scripts/webhook_upstream.py stripe  UPSTREAM.json OUT.json

github: `x-webhooks` entries of @octokit/openapi api.github.com.json (their operationIds:
`ping`, `push`, `issues/opened`, ...), JSON bodies only, header parameters dropped.
stripe: Stripe sends every event as an `event` object whose `data.object` is the resource;
`customer.created` / `customer.updated` are `event` with `type` fixed and `data.object` a
`customer` (notification_event_data types `object` as a bare object).
"""
import json
import sys

GITHUB_EVENTS = ["ping", "push", "issues-opened", "issues-edited", "issues-labeled"]
STRIPE_EVENTS = ["customer.created", "customer.updated"]


def github(doc):
    paths = {}
    for key in GITHUB_EVENTS:
        op = doc["x-webhooks"][key]["post"]
        body = op["requestBody"]
        content = {"application/json": {"schema": body["content"]["application/json"]["schema"]}}
        paths["/" + op["operationId"]] = {
            "post": {
                "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "operationId": op["operationId"],
                "requestBody": {"required": True, "content": content},
                "responses": {"200": {"description": "Accepted (any 2xx acknowledges the delivery)."}},
            }
        }
    return paths


def stripe(doc):
    paths = {}
    for event in STRIPE_EVENTS:
        data = {
            "type": "object",
            "required": ["object"],
            "properties": {"object": {"$ref": "#/components/schemas/customer"}},
        }
        if event.endswith(".updated"):
            data["required"].append("previous_attributes")
            data["properties"]["previous_attributes"] = {"type": "object"}
        schema = {
            "allOf": [
                {"$ref": "#/components/schemas/event"},
                {
                    "type": "object",
                    "required": ["type", "data"],
                    "properties": {"type": {"type": "string", "enum": [event]}, "data": data},
                },
            ]
        }
        paths["/" + event] = {
            "post": {
                "summary": f"Stripe `{event}` event",
                "operationId": event,
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
                "responses": {"200": {"description": "Accepted (any 2xx acknowledges the delivery)."}},
            }
        }
    return paths


def main():
    provider, src, out = sys.argv[1:4]
    doc = json.load(open(src))
    paths = github(doc) if provider == "github" else stripe(doc)
    synthetic = {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "paths": paths,
        "components": {"schemas": doc["components"]["schemas"]},
    }
    with open(out, "w") as f:
        json.dump(synthetic, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
