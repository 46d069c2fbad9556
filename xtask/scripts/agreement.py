#!/usr/bin/env python3
"""Agreement between Tether's OpenAPI 3.0 validator and `openapi-schema-validator`.

Usage:
    python3 xtask/scripts/agreement.py <openapi.json> <outdir> [--workspace DIR] [--tether-json FILE]

For every operation of the description and every response status whose JSON media type
(`application/json`, `application/*+json`) has `example` or `examples`, this script
(statuses `NXX` and `default` are sent as a code that selects them, see `status_code`)

1. writes one fixture envelope into <outdir> (`{"operation", "kind": "response", "status",
   "headers": {"content-type": <media type>}, "body": <example value>}`; a `null` example is
   written as `"body_raw": "null"` because an envelope cannot carry `"body": null`);
2. validates the example value with `openapi_schema_validator.OAS30Validator` and
   `oas30_format_checker` against the media type's schema, given as
   `{"$ref": "urn:agreement:description#/paths/.../schema"}` with the whole description
   registered as one `referencing` resource, so every `$ref` resolves inside it;
3. runs `cargo xtask validate <openapi.json> <outdir> --format json` in the Tether workspace
   (or reads that output from --tether-json) and compares the verdicts per file; runs it
   again with `--nullable spec` (OAS 3.0.3 to the letter) and compares that too;
4. classifies every disagreement (see `classify`) and prints totals and the classes.

Two secondary python verdicts are reported beside the main one: OAS30Validator with
Tether's documented reading of `nullable: true` (see `RELAXATIONS`), i.e. agreement "all
else equal", and OAS30ReadValidator (the response view of readOnly/writeOnly). For examples
both sides reject, it also compares the errors as (pointer, keyword) sets.

Outputs besides the envelopes (none ends in `.json`, so `cargo xtask validate <outdir>`
reads envelopes only): `<outdir>/summary.txt` (what is printed), `<outdir>/results.jsonl`
(one line per example: verdicts, errors, class) and `<outdir>/tether.jsonl` (Tether's raw
output). Envelopes from an earlier run (`NNNN.*.json`) are deleted first.

A YAML description is read with PyYAML, timestamps left as strings.

Needs: openapi-schema-validator, jsonschema, referencing, rfc3339-validator and rfc3987
(without the last two `date-time` and `uri` are silently not checked; this script refuses
to run without them).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

try:
    import rfc3339_validator  # noqa: F401  (makes `date-time` checked)
    import rfc3987  # noqa: F401  (makes `uri` checked)
    from openapi_schema_validator import OAS30Validator, oas30_format_checker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
except ImportError as e:  # pragma: no cover
    sys.exit(
        f"missing Python dependency ({e}); install: openapi-schema-validator jsonschema "
        "rfc3339-validator rfc3987 pyyaml"
    )

BASE_URI = "urn:agreement:description"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_json_media_type(media: str) -> bool:
    """The same rule as tether_contract::model::is_json_media_type."""
    essence = media.split(";")[0].strip().lower()
    return essence == "application/json" or (
        essence.startswith("application/") and essence.endswith("+json")
    )


def load_description(path: Path):
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        # YAML 1.1 timestamps would become datetimes and fail `type: string`.
        Loader.yaml_implicit_resolvers = {
            k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        return yaml.load(text, Loader=Loader)
    return json.loads(text)


def esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_get(doc, pointer: str):
    node = doc
    if pointer in ("", "#"):
        return node
    for tok in pointer.lstrip("#").split("/")[1:]:
        tok = tok.replace("~1", "/").replace("~0", "~")
        node = node[int(tok)] if isinstance(node, list) else node[tok]
    return node


def deref(doc, node, pointer: str, hops: int = 32):
    """Follow local `$ref`s; returns (object, its pointer)."""
    while isinstance(node, dict) and "$ref" in node and hops:
        pointer = node["$ref"].lstrip("#")
        node = pointer_get(doc, pointer)
        hops -= 1
    return node, pointer


def status_code(status: str, responses) -> int | None:
    """The HTTP status an envelope sends for a `responses` key: the code itself; for a
    range `4XX` the first code of it not declared on its own; for `default` a code that no
    other key covers (so Tether falls through to `default`). None when there is none."""
    declared = {k.upper() for k in responses}

    def covered(code: int) -> bool:
        return str(code) in declared or f"{code // 100}XX" in declared

    if status.isdigit():
        return int(status)
    if re.fullmatch(r"[1-5]XX", status.upper()):
        base = int(status[0]) * 100
        return next((c for c in range(base, base + 100) if str(c) not in declared), None)
    if status == "default":
        return next((c for c in (500, 400, *range(599, 99, -1)) if not covered(c)), None)
    return None


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return s[:60] or "example"


# --------------------------------------------------------------------------- collection


def collect_examples(doc):
    """Yield one dict per (operation, status, JSON media type, example)."""
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_id = op.get("operationId")
            responses = op.get("responses") or {}
            for status, response in responses.items():
                if status.startswith("x-"):
                    continue
                code = status_code(status, responses)
                resp_ptr = f"/paths/{esc(path)}/{method}/responses/{esc(status)}"
                response, resp_ptr = deref(doc, response, resp_ptr)
                for media, mo in (response.get("content") or {}).items():
                    if not is_json_media_type(media):
                        continue
                    media_ptr = f"{resp_ptr}/content/{esc(media)}"
                    entries = []
                    if "example" in mo:
                        entries.append(("example", mo["example"], f"{media_ptr}/example"))
                    for name, ex in (mo.get("examples") or {}).items():
                        ex_ptr = f"{media_ptr}/examples/{esc(name)}"
                        ex, ex_ptr = deref(doc, ex, ex_ptr)
                        if "value" in ex:
                            entries.append((name, ex["value"], f"{ex_ptr}/value"))
                        else:  # externalValue only: nothing to validate here
                            entries.append((name, KeyError, ex_ptr))
                    for name, value, value_ptr in entries:
                        yield {
                            "path": path,
                            "method": method,
                            "operation": op_id,
                            "status": status,
                            "status_code": code,
                            "media_type": media,
                            "schema_pointer": f"{media_ptr}/schema" if "schema" in mo else None,
                            "example": name,
                            "example_pointer": value_ptr,
                            "value": value,
                        }


# --------------------------------------------------------------------------- python side


def leaf_errors(error, depth=0):
    """The innermost errors under an error (descending into oneOf/anyOf contexts)."""
    if error.context and depth < 20:
        out = []
        for sub in error.context:
            out.extend(leaf_errors(sub, depth + 1))
        return out
    return [error]


def ptr(path):
    return "".join(f"/{esc(str(p))}" for p in path)


def py_error(e):
    keys = sorted(e.schema.keys()) if isinstance(e.schema, dict) else []
    return {
        "pointer": ptr(e.absolute_path),
        "keyword": e.validator,
        "schema_path": "/".join(str(p) for p in e.absolute_schema_path),
        "message": e.message[:300],
        "schema_keys": keys,
        # openapi-schema-validator's discriminator handling refuses every non-object
        "discriminator_non_object": e.validator in ("oneOf", "anyOf", "allOf")
        and "discriminator" in keys
        and not isinstance(e.instance, dict),
        "leaves": [
            {
                "pointer": ptr(leaf.absolute_path),
                "keyword": leaf.validator,
                "message": leaf.message[:300],
                "schema_keys": sorted(leaf.schema.keys()) if isinstance(leaf.schema, dict) else [],
            }
            for leaf in (leaf_errors(e) if e.context else [])
        ][:40],
    }


# Tether's documented reading of `nullable: true` ("admits null in the schema object that
# carries it, whatever else that object says"), as relaxations of OAS30Validator: while the
# instance is null and the schema object says `nullable: true`, errors of the keywords a
# relaxation covers are dropped. Used to name the class of a disagreement and to measure
# agreement "all else equal".
COMPOSING = {"allOf", "anyOf", "oneOf", "not", "$ref"}
RELAXATIONS = {
    # `nullable: true` + `enum` that does not list null (with a `type`)
    "nullable-enum-without-null": lambda kw, schema: kw == "enum" and "type" in schema,
    # `nullable: true` without a sibling `type` (wrapping allOf/anyOf/oneOf/$ref, or an enum)
    "nullable-without-type": lambda kw, schema: "type" not in schema,
    # `nullable: true, type: X` beside allOf/anyOf/oneOf/not: null passes `type`,
    # then the composition refuses it
    "nullable-typed-composition": lambda kw, schema: kw in COMPOSING and "type" in schema,
}


def relaxed_validator(names):
    from jsonschema.validators import extend

    preds = [RELAXATIONS[n] for n in names]

    def wrap(kw, fn):
        def keyword(validator, value, instance, schema):
            if (
                instance is None
                and isinstance(schema, dict)
                and schema.get("nullable") is True
                and any(p(kw, schema) for p in preds)
            ):
                return
            yield from fn(validator, value, instance, schema)

        return keyword

    return extend(
        OAS30Validator, {kw: wrap(kw, fn) for kw, fn in OAS30Validator.VALIDATORS.items()}
    )


def schema_ref(item):
    return BASE_URI + "#" + quote(item["schema_pointer"], safe="/~:@!$&'()*+,;=-._")


def python_validate(registry, item, cls=OAS30Validator):
    if item["schema_pointer"] is None:
        return True, []
    validator = cls({"$ref": schema_ref(item)}, registry=registry, format_checker=oas30_format_checker)
    errors = [py_error(e) for e in validator.iter_errors(item["value"])]
    return not errors, errors


def check_format_checker():
    """Refuse to measure with inert format checks (rfc3339-validator / rfc3987 missing)."""
    fc = oas30_format_checker
    probes = {"date-time": "2011-01-26 19:01:12", "uri": "not a uri", "email": "no-at-sign",
              "date": "2011-13-01", "int32": 2**31}
    inert = [f for f, bad in probes.items() if fc.conforms(bad, f)]
    if inert:
        sys.exit(f"oas30_format_checker does not check {inert}; install rfc3339-validator and rfc3987")


# --------------------------------------------------------------------------- tether side


def run_tether(workspace: Path, description: Path, outdir: Path, raw_out: Path, extra=()):
    cmd = ["cargo", "xtask", "validate", str(description), str(outdir), "--format", "json", *extra]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=workspace, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
        sys.exit(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}")
    raw_out.write_text(proc.stdout)
    return proc.stdout, proc.stderr, elapsed


def parse_tether(text: str):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            out[Path(obj["file"]).name] = obj
    return out


# --------------------------------------------------------------------------- classes

# Class → (who is right, what kind of difference). Written from the OAS 3.0.3 text; see
# BENCHMARKS.md, "Validator agreement with an independent OAS 3.0 validator".
VERDICTS = {
    "nullable-enum-without-null": (
        "python, by the letter of 3.0.3 (\"Other Schema Object constraints retain their defined behavior\")",
        "Tether: deliberate, documented reading",
    ),
    "nullable-without-type": (
        "python, by the letter of 3.0.3 (nullable acts \"only if `type` is explicitly defined within the same Schema Object\")",
        "Tether: deliberate, documented reading",
    ),
    "nullable-typed-composition": (
        "python, by the letter of 3.0.3",
        "Tether: deliberate, documented reading",
    ),
    "discriminator-on-non-object": (
        "Tether (the payload \"MUST, by validation, match exactly one\" of the oneOf schemas; a discriminator is a \"hint\")",
        "python: openapi-schema-validator refuses every non-object under a discriminated oneOf/anyOf",
    ),
}


def format_name(message):
    m = re.search(r"not a valid `([^`]+)`", message) or re.search(r"is not a '([^']+)'", message)
    return m.group(1) if m else "?"


def classify(rec, relaxed_valid):
    """Name the class of one disagreement. `relaxed_valid(names)`: python's verdict with
    the given nullable relaxations."""
    if rec["python_valid"] and not rec["tether_valid"]:
        details = sorted(
            {
                f"format {format_name(e['message'])}" if e["keyword"] == "format" else e["keyword"]
                for e in rec["tether_errors"]
            }
        )
        return "tether-only: " + ", ".join(details)
    errors = rec["python_errors"]
    single = [n for n in RELAXATIONS if relaxed_valid((n,))]
    if single:
        return " + ".join(single)
    if relaxed_valid(tuple(RELAXATIONS)):
        return "nullable (several readings combined)"
    if errors and all(e["discriminator_non_object"] for e in errors):
        return "discriminator-on-non-object"
    kinds = set()
    for e in errors:
        for leaf in e["leaves"] or [e]:
            if leaf["keyword"] == "format":
                kinds.add(f"format {format_name(leaf['message'])}")
            else:
                kinds.add(leaf["keyword"])
    return "python-only: " + ", ".join(sorted(kinds))


def error_set_python(rec):
    """Python's errors as Tether's (pointer, keyword) vocabulary."""
    out = set()
    for e in rec["python_errors"]:
        kw, p, msg = e["keyword"], e["pointer"], e["message"]
        if kw == "required":
            m = re.match(r"'(.*)' is a required property", msg)
            out.add((f"{p}/{esc(m.group(1)) if m else '?'}", "required"))
        elif kw == "additionalProperties":
            for name in re.findall(r"'([^']*)'", msg.split("(", 1)[-1]):
                out.add((f"{p}/{esc(name)}", "additionalProperties"))
        elif kw == "type" and msg.startswith("None is not of type"):
            continue  # python reports a non-nullable null twice
        else:
            out.add((p, kw))
    return out


def error_set_tether(rec):
    return {(e["pointer"], e["keyword"]) for e in rec["tether_errors"]}


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("description", type=Path)
    ap.add_argument("outdir", type=Path)
    ap.add_argument(
        "--workspace",
        type=Path,
        default=Path(__file__).resolve().parents[2],
        help="Tether workspace root (default: the one holding this script)",
    )
    ap.add_argument(
        "--tether-json",
        type=Path,
        help="read `cargo xtask validate --format json` output from this file instead of running it",
    )
    args = ap.parse_args()
    check_format_checker()
    t0 = time.monotonic()
    description = args.description.resolve()
    outdir = args.outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*.json"):
        if re.match(r"^\d{4}\.", old.name):
            old.unlink()

    doc = load_description(description)
    registry = Registry().with_resource(
        BASE_URI, Resource.from_contents(doc, default_specification=DRAFT4)
    )

    # 1. envelopes + python verdicts
    items = list(collect_examples(doc))
    skipped = collections.Counter()
    records, values = [], {}
    t_py = time.monotonic()
    for i, item in enumerate(items):
        if item["value"] is KeyError:
            skipped["externalValue only"] += 1
            continue
        if item["status_code"] is None:
            skipped[f"no status code for `{item['status']}`"] += 1
            continue
        op = (item["operation"] or "no-operation-id").replace("/", ".")
        name = f"{i:04d}.{op}.{item['status']}-{slug(item['example'])}.json"
        env = {
            "operation": item["operation"],
            "kind": "response",
            "status": item["status_code"],
            "headers": {"content-type": item["media_type"]},
        }
        if item["value"] is None:
            env["body_raw"] = "null"  # an envelope cannot say "body": null
        else:
            env["body"] = item["value"]
        env["source"] = f"{description.name} #{item['example_pointer']}"
        (outdir / name).write_text(json.dumps(env, indent=2, ensure_ascii=False) + "\n")
        valid, errors = python_validate(registry, item)
        rec = {k: v for k, v in item.items() if k != "value"}
        rec.update(file=name, python_valid=valid, python_errors=errors)
        records.append(rec)
        values[name] = item
    t_py = time.monotonic() - t_py

    relaxed_classes = {}

    def relaxed_valid(rec, names):
        if names not in relaxed_classes:
            relaxed_classes[names] = relaxed_validator(names)
        return python_validate(registry, values[rec["file"]], relaxed_classes[names])[0]

    # secondary python verdicts: Tether's nullable reading, and OAS30ReadValidator
    from openapi_schema_validator import OAS30ReadValidator

    t_py2 = time.monotonic()
    for rec in records:
        rec["python_tether_nullable_valid"] = relaxed_valid(rec, tuple(RELAXATIONS))
        rec["python_read_valid"] = python_validate(registry, values[rec["file"]], OAS30ReadValidator)[0]
    t_py2 = time.monotonic() - t_py2

    # 2. tether verdicts
    if args.tether_json:
        tether_text, tether_stderr, t_tether = args.tether_json.read_text(), "", 0.0
    else:
        tether_text, tether_stderr, t_tether = run_tether(
            args.workspace, description, outdir, outdir / "tether.jsonl"
        )
    tether = parse_tether(tether_text)
    # Tether with `--nullable spec` (the letter of OAS 3.0.3), against the main python verdict
    if args.tether_json:
        tether_spec = {}
    else:
        spec_text, _, _ = run_tether(
            args.workspace, description, outdir, outdir / "tether-spec.jsonl", ("--nullable", "spec")
        )
        tether_spec = parse_tether(spec_text)

    # 3. compare
    classes = collections.defaultdict(list)
    for rec in records:
        t = tether.get(rec["file"])
        if t is None:
            rec.update(tether_valid=None, tether_errors=[], agree=False, cls="tether: no result")
        else:
            rec.update(tether_valid=t["valid"], tether_errors=t["errors"])
            rec["agree"] = rec["python_valid"] == t["valid"]
            rec["cls"] = None if rec["agree"] else classify(rec, lambda n, r=rec: relaxed_valid(r, n))
        if rec["cls"]:
            classes[rec["cls"]].append(rec)
        if rec["tether_valid"] is False and not rec["python_valid"]:
            rec["same_errors"] = error_set_python(rec) == error_set_tether(rec)

    with open(outdir / "results.jsonl", "w") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    # 4. report
    n = len(records)
    agree = sum(r["agree"] for r in records)
    both_valid = sum(r["python_valid"] and r["tether_valid"] is True for r in records)
    both_invalid = [r for r in records if not r["python_valid"] and r["tether_valid"] is False]
    same_errors = sum(r["same_errors"] for r in both_invalid)
    alt = sum(r["python_tether_nullable_valid"] == r["tether_valid"] for r in records)
    read = sum(r["python_read_valid"] == r["tether_valid"] for r in records)
    spec_differ = [
        r["file"]
        for r in records
        if tether_spec and tether_spec.get(r["file"], {}).get("valid") != r["python_valid"]
    ]
    pct = lambda k: f"{k}/{n} = {100.0 * k / n:.2f}%" if n else "0/0"
    lines = [
        f"description: {description} ({len(doc.get('paths', {}))} paths, "
        f"{sum(isinstance(v, dict) and m in METHODS for p in doc.get('paths', {}).values() for m, v in p.items())} operations)",
        f"examples: {n} (JSON media types; skipped: {dict(skipped) or 'none'}; "
        f"without schema: {sum(r['schema_pointer'] is None for r in records)}; "
        f"null values sent as body_raw: {sum(1 for r in records if values[r['file']]['value'] is None)})",
        f"agreement (verdicts, OAS30Validator): {pct(agree)}  "
        f"[both valid {both_valid}, both invalid {len(both_invalid)}]",
        f"  python valid {sum(r['python_valid'] for r in records)}, "
        f"tether valid {sum(r['tether_valid'] is True for r in records)}, disagreements {n - agree}",
        f"  both invalid with the same (pointer, keyword) error set: {same_errors}/{len(both_invalid)}",
        f"agreement with OAS30Validator + Tether's nullable reading: {pct(alt)}",
        f"agreement with OAS30ReadValidator (response view of readOnly/writeOnly): {pct(read)}",
        (
            f"agreement of `--nullable spec` (the letter of 3.0.3) with OAS30Validator: {pct(n - len(spec_differ))}"
            + "".join(f"\n          {f}" for f in spec_differ)
            if tether_spec
            else "`--nullable spec` not run (--tether-json given)"
        ),
        "disagreement classes:",
    ]
    for cls, recs in sorted(classes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"  {len(recs):4d}  {cls}")
        if cls in VERDICTS:
            right, kind = VERDICTS[cls]
            lines.append(f"          right per 3.0.3: {right}; {kind}")
        for r in recs:
            lines.append(f"          {r['file']}")
    differ = [r for r in both_invalid if not r["same_errors"]]
    if differ:
        lines.append("both invalid, different error sets (verdicts agree; informational):")
        for r in differ:
            a, b = error_set_python(r), error_set_tether(r)
            lines.append(f"          {r['file']}: python-only {sorted(a - b)} tether-only {sorted(b - a)}")
    lines.append(
        f"time: python {t_py:.1f}s (+{t_py2:.1f}s secondary readings), "
        f"tether {t_tether:.1f}s, total {time.monotonic() - t0:.1f}s"
    )
    lines += [f"tether: {l}" for l in tether_stderr.splitlines() if l.startswith("loaded")]
    text = "\n".join(lines) + "\n"
    (outdir / "summary.txt").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
