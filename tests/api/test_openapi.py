"""The published contract: OpenAPI document, offline Swagger UI, entry-type JSON Schemas, codes.

The documented schemas are checked against real responses with ``jsonschema``, so the document
cannot drift from what the service actually sends.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.problems import status_of
from ledger.admission import REGISTRY
from ledger.entry import ENVELOPE
from ledger.errors import LedgerError
from ledger.keys import PrivateKey
from ledger.problem_codes import PROBLEMS

IDENTITY_TYPES = {"ledger.genesis", "party.registered", "key.added", "key.revoked"}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _validator(spec: dict, name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<name>``, resolving refs inside the document."""
    uri = "urn:openapi"
    registry = Registry().with_resource(uri, Resource(contents=spec, specification=DRAFT202012))
    schema = {"$ref": f"{uri}#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _resolve(spec: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_openapi_document_structure(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {"title": "Gold lot ledger", "version": "v1"}
    paths = spec["paths"]

    submit = paths["/api/v1/entries"]["post"]
    body = submit["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Submission"
    }
    assert {"200", "201"} <= set(submit["responses"])

    assert "200" in paths["/api/v1/log/head"]["get"]["responses"]
    party = paths["/api/v1/parties/{party_id}"]
    parameters = party.get("parameters", []) + party["get"].get("parameters", [])
    assert {"in": "path", "name": "party_id", "required": True} == {
        k: v for k, v in parameters[0].items() if k in {"in", "name", "required"}
    }
    assert "/api/v1/entry-types" in paths
    assert "/api/v1/log/{seq}" in paths

    schemas = spec["components"]["schemas"]
    assert {"Entry", "Record", "Appended", "Head", "Party", "EntryType"} <= set(schemas)
    # The Entry schema is the core's envelope: same members, all required, nothing else.
    entry = schemas["Entry"]
    assert set(entry["properties"]) == set(ENVELOPE.members)
    assert set(entry["required"]) == set(ENVELOPE.members)
    assert entry["additionalProperties"] is False
    assert schemas["Record"]["properties"]["entry"] == {"$ref": "#/components/schemas/Entry"}


def test_every_reference_in_the_document_resolves(spec):
    refs = _refs(spec)
    assert "#/components/schemas/Entry" in refs
    for ref in refs:
        assert isinstance(_resolve(spec, ref), dict), ref
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)  # each is a valid JSON Schema 2020-12
        assert name


def test_every_operation_documents_its_errors_as_problem_json(spec, world, client):
    problem_schemas = set()
    for path, method, operation in _operations(spec):
        errors = {
            s: r for s, r in operation["responses"].items() if s == "default" or int(s) >= 400
        }
        assert errors, f"{method.upper()} {path} documents no error response"
        for response in errors.values():
            if "$ref" in response:
                response = _resolve(spec, response["$ref"])
            content = response["content"]
            assert list(content) == ["application/problem+json"], (path, method, content)
            problem_schemas.add(content["application/problem+json"]["schema"]["$ref"])
    assert problem_schemas == {"#/components/schemas/Problem"}

    # Real problems from the running service are instances of the documented schema.
    validator = _validator(spec, "Problem")
    samples = [
        client.get("/api/v1/log/999", headers=world.headers()),
        client.get("/api/v1/log?limit=0", headers=world.headers()),
        client.get("/api/v1/log/1"),
        client.post("/api/v1/entries", data=b"{", content_type="application/json"),
        client.post("/api/v1/entries", json={"type": "x"}),
        client.delete("/api/v1/entries"),
    ]
    for response in samples:
        assert response.status_code >= 400
        assert response.mimetype == "application/problem+json"
        document = response.get_json()
        errors = sorted(validator.iter_errors(document), key=str)
        assert not errors, (document, [e.message for e in errors])


def test_documented_success_schemas_match_real_responses(spec, world, client):
    key = PrivateKey.generate()
    entry = world.signers["arm"].entry(
        "party.registered",
        {
            "party_id": "asmo-iquira",
            "name": "Iquira",
            "country": "CO",
            "roles": ["asmo"],
            "activities": ["mining"],
            "location": "Iquira, Huila",
            "public_key": key.public.b64,
        },
    )
    appended = client.post("/api/v1/entries", json=entry)
    assert appended.status_code == 201
    cases = [
        ("Appended", appended.get_json()),
        ("Head", client.get("/api/v1/log/head").get_json()),
        ("Record", client.get("/api/v1/log/2", headers=world.headers()).get_json()),
        ("LogPage", client.get("/api/v1/log", headers=world.headers()).get_json()),
        ("Party", client.get("/api/v1/parties/asmo-iquira").get_json()),
    ]
    cases += [("EntryType", t) for t in client.get("/api/v1/entry-types").get_json()]
    for name, document in cases:
        errors = [e.message for e in _validator(spec, name).iter_errors(document)]
        assert not errors, (name, errors)
    # And a document that breaks the contract is caught (the check is not vacuous).
    broken = {**appended.get_json(), "seq": "two"}
    assert not _validator(spec, "Appended").is_valid(broken)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "script":
            self.inline_scripts += 1
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_swagger_ui_5_is_served_with_local_assets_and_no_inline_script(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'data-spec-url="/api/openapi.json"' in html
    assert 'data-swagger-ui-version="v5.' in html  # 5.x reads OpenAPI 3.1
    parser = _Assets()
    parser.feed(html)
    assert "/api/docs/assets/swagger-ui-bundle.js" in parser.urls
    assert parser.inline_scripts == 0
    for url in parser.urls:
        assert url.startswith("/"), f"{url} is not served locally"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.data) > 200, url
        kinds = {".css": "text/css", ".svg": "image/svg+xml"}
        expected = next((v for k, v in kinds.items() if url.endswith(k)), "javascript")
        assert expected in asset.mimetype, (url, asset.mimetype)
    bundle = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.data
    assert client.get("/api/docs/assets/../../app/__init__.py").status_code == 404


def test_the_document_declares_bearer_tokens(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert spec["security"] == [{}, {"bearerAuth": []}]


def _examples(world) -> dict[str, dict]:
    """A correct body of each identity type: bodies the core has just accepted, for real."""
    asmo = world.register("asmo-example", ["asmo"], activities=["mining"], location="Huila")
    second = PrivateKey.generate()
    world.state(
        "asmo-example", "key.added", {"party_id": "asmo-example", "public_key": second.public.b64}
    )
    world.state(
        "asmo-example",
        "key.revoked",
        {"party_id": "asmo-example", "key_id": asmo.key.key_id, "reason": "rotation"},
    )
    world.client.token = world.token("arm")
    records = world.client.request("GET", "/api/v1/log?limit=10")["records"]
    return {
        r["entry"]["type"]: r["entry"]["body"]
        for r in records
        if r["entry"]["type"] in IDENTITY_TYPES
    }


def test_entry_types_publish_json_schemas_that_match_the_core(world, client):
    response = client.get("/api/v1/entry-types")
    assert response.status_code == 200
    listed = {t["name"]: t for t in response.get_json()}
    assert IDENTITY_TYPES <= set(listed)
    assert set(listed) == set(REGISTRY)
    for name, described in listed.items():
        assert described["roles"] == sorted(REGISTRY[name].roles)
        assert described["summary"]
        Draft202012Validator.check_schema(described["body"])
        assert described["body"]["type"] == "object"
        assert described["body"]["additionalProperties"] is False

    examples = _examples(world)
    assert set(examples) == IDENTITY_TYPES
    for name, body in examples.items():
        validator = Draft202012Validator(listed[name]["body"])
        errors = [e.message for e in validator.iter_errors(body)]
        assert not errors, (name, errors)
        REGISTRY[name].body.check(body, "/body")  # the core agrees

        extra = {**body, "colour": "gold"}
        assert not validator.is_valid(extra), name
        with pytest.raises(LedgerError) as refused:
            REGISTRY[name].body.check(extra, "/body")
        assert refused.value.pointer == "/body/colour"

        missing = dict(body)
        missing.pop("party_id" if "party_id" in body else "origin")
        assert not validator.is_valid(missing), name


def test_the_problem_schema_enumerates_every_registered_code(spec):
    code = spec["components"]["schemas"]["Problem"]["properties"]["code"]
    assert code["enum"] == sorted(PROBLEMS)


def test_each_problem_type_describes_its_code(client):
    for code, registered in PROBLEMS.items():
        response = client.get(f"/problems/{code}")
        assert response.status_code == 200, code
        assert response.get_json() == {
            "code": code,
            "title": registered.title,
            "status": status_of(code),
        }
    unknown = client.get("/problems/no-such-code")
    assert unknown.status_code == 404
    assert unknown.get_json()["code"] == "not-found"


def test_docstrings_render_as_markdown_in_the_document(client):
    spec = client.get("/api/openapi.json").get_json()
    texts = [
        operation.get(member, "")
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for member in ("summary", "description")
    ]
    assert texts
    assert not [t for t in texts if "``" in t]
    log = spec["paths"]["/api/v1/log"]["get"]["summary"]
    assert "`start`" in log
