"""Offline checks of the Google Cloud deployment in infra/.

Providers cannot be downloaded here, so ``terraform validate`` cannot run: these tests parse the
Terraform with python-hcl2 and assert what the deployment promises (who may call what, where
secrets live, which indexes exist), and run checkov from its own virtualenv.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import math
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra_indexes import (
    ASCENDING,
    CONTAINS,
    DESCENDING,
    NAME,
    IndexShape,
    QueryShape,
    blocks,
    declared_indexes,
    literal,
    load_terraform,
    missing_indexes,
    required_index,
    resources,
    serves,
    unquote,
)

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_COMMAND = [
    str(CHECKOV),
    "-d",
    "infra",
    "--config-file",
    "infra/.checkov.yaml",
    "--framework",
    "terraform",
    "-o",
    "json",
    "--quiet",
]

ENTRY_POINTS = {"log_interaction", "survey", "admin", "send_report", "console"}
PUBLIC = {"log_interaction", "survey", "console"}
SECRET_ENV = {"SIDEBYSIDE_SECRET_KEY", "SIDEBYSIDE_ADMIN_TOKEN", "SIDEBYSIDE_MAIL"}
FN = "google_cloudfunctions2_function.fn"

# The Firestore adapter's composite queries (shared/store/firestore.py).
ADAPTER_QUERIES = [
    QueryShape("interactions", (("supporter_id", "=="), ("occurred_on", ">="))),
    QueryShape("interactions", (("supporter_id", "=="),), (("created_at", DESCENDING),)),
    QueryShape("claims", (("job", "=="), ("finished_at", "<"))),
    QueryShape("answers", (("survey_id", "=="), ("id", ">")), (("id", ASCENDING),)),
    QueryShape("links", (("survey_id", "=="), ("email_key", ">"))),
    QueryShape("follow_ups", (("supporter_id", "=="), ("due", "<="))),
    QueryShape("follow_ups", (("supporter_id", "=="), ("state", "=="), ("due", "<="))),
]


@pytest.fixture(scope="module")
def tf() -> dict[str, dict[str, Any]]:
    return load_terraform(INFRA)


def one(body: dict[str, Any], block: str) -> dict[str, Any]:
    """The single nested ``block`` of a parsed resource body."""
    found = body.get(block)
    assert isinstance(found, list) and len(found) == 1, f"expected one {block} block, found {found!r}"
    return found[0]


def local_values(tf: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for document in tf.values():
        for entry in document.get("locals", []):
            merged.update(entry)
    return merged


def variables(tf: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for document in tf.values():
        for entry in document.get("variable", []):
            found.update({unquote(name): body for name, body in entry.items()})
    return found


def outputs(tf: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for document in tf.values():
        for entry in document.get("output", []):
            found.update({unquote(name): body for name, body in entry.items()})
    return found


def all_resources(tf: dict[str, dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for document in tf.values():
        for entry in document.get("resource", []):
            for type_, named in entry.items():
                found += [(unquote(type_), unquote(name), body) for name, body in named.items()]
    return found


def service_of(function: str) -> str:
    return f'${{{FN}["{function}"].service_config[0].service}}'


# --- Parsing -----------------------------------------------------------------------------------


def test_every_terraform_file_parses():
    names = {path.name for path in INFRA.glob("*.tf")}
    assert {"main.tf", "outputs.tf", "variables.tf"} <= names
    assert set(load_terraform(INFRA)) == set(names)  # raises, naming the file, on a parse error


def test_a_file_that_does_not_parse_is_reported(tmp_path: Path):
    (tmp_path / "broken.tf").write_text('resource "x" "y" {\n  a = \n}\n')
    with pytest.raises(ValueError, match="broken.tf"):
        load_terraform(tmp_path)


def test_example_tfvars_sets_only_declared_non_secret_variables(tf):
    example = load_terraform(INFRA, "terraform.tfvars.example")["terraform.tfvars.example"]
    declared = variables(tf)
    assert set(example) <= set(declared)
    assert {"project_id", "mail_from", "coordinators"} <= set(example)
    assert not [name for name in example if declared[name].get("sensitive") is True]


# --- Firestore ---------------------------------------------------------------------------------


def test_firestore_database_is_native_and_protected(tf):
    db = resources(tf, "google_firestore_database")["db"]
    assert literal(db["type"]) == "FIRESTORE_NATIVE"
    assert literal(db["delete_protection_state"]) == "DELETE_PROTECTION_ENABLED"
    assert db["location_id"] == "${var.firestore_location}"
    assert literal(variables(tf)["firestore_location"]["default"]) == "northamerica-northeast1"


def test_point_in_time_recovery_is_an_explicit_choice_off_by_default(tf):
    """PITR keeps minute-by-minute versions for 7 days: pre-reseal answers and purged
    redemptions, which pair answers with links (issue 13). Off unless the deployer says so,
    and the README states the exposure and the cost."""
    db = resources(tf, "google_firestore_database")["db"]
    assert db["point_in_time_recovery_enablement"] == (
        '${var.point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"}'
    )
    choice = variables(tf)["point_in_time_recovery"]
    assert choice["type"] == "bool" and choice["default"] is False
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "point_in_time_recovery = true" in readme
    assert "7 days" in readme and "pair" in readme  # the exposure, in plain words
    assert "billed outside the free tier" in readme  # the cost (issue 15, item 6)


def test_every_adapter_query_has_its_composite_index_declared():
    declared = declared_indexes(INFRA)
    needed = [required_index(query) for query in ADAPTER_QUERIES]
    assert needed == [
        IndexShape(
            "interactions", (("supporter_id", ASCENDING), ("occurred_on", ASCENDING), (NAME, ASCENDING))
        ),
        IndexShape(
            "interactions", (("supporter_id", ASCENDING), ("created_at", DESCENDING), (NAME, DESCENDING))
        ),
        IndexShape("claims", (("job", ASCENDING), ("finished_at", ASCENDING), (NAME, ASCENDING))),
        IndexShape("answers", (("survey_id", ASCENDING), ("id", ASCENDING), (NAME, ASCENDING))),
        IndexShape("links", (("survey_id", ASCENDING), ("email_key", ASCENDING), (NAME, ASCENDING))),
        IndexShape("follow_ups", (("supporter_id", ASCENDING), ("due", ASCENDING), (NAME, ASCENDING))),
        IndexShape(
            "follow_ups",
            (("state", ASCENDING), ("supporter_id", ASCENDING), ("due", ASCENDING), (NAME, ASCENDING)),
        ),
    ]
    assert set(needed) <= declared
    assert missing_indexes(ADAPTER_QUERIES, declared) == []


def test_every_declared_index_ends_with_name_in_the_direction_before_it():
    for index in declared_indexes(INFRA):
        *fields, last = index.fields
        assert last[0] == NAME, index
        assert fields and last[1] == fields[-1][1], index


def test_firestore_rules_deny_every_client_read_and_write(tf):
    text = (INFRA / "firestore.rules").read_text()
    code = " ".join(re.sub(r"//[^\n]*", "", text).split())
    assert code == (
        "rules_version = '2'; service cloud.firestore { match /databases/{database}/documents "
        "{ match /{document=**} { allow read, write: if false; } } }"
    )
    ruleset = resources(tf, "google_firebaserules_ruleset")["firestore"]
    rules_file = one(one(ruleset, "source"), "files")
    assert rules_file["content"] == '${file("${path.module}/firestore.rules")}'
    release = resources(tf, "google_firebaserules_release")["firestore"]
    # The provider's documentation: Firestore rules releases are named 'cloud.firestore' (the
    # (default) database); a named database's release is cloud.firestore/DATABASE_ID.
    assert release["name"] == (
        '${google_firestore_database.db.name == "(default)" ? "cloud.firestore" : '
        '"cloud.firestore/${google_firestore_database.db.name}"}'
    )
    assert "google_firebaserules_ruleset.firestore.name" in release["ruleset_name"]


# --- Required index rule (tests/infra_indexes.py) ----------------------------------------------


def test_equality_filters_alone_need_no_index():
    query = QueryShape("interactions", filters=(("supporter_id", "=="), ("kind", "==")))
    assert required_index(query) is None


def test_one_field_needs_no_index():
    assert required_index(QueryShape("alerts", filters=(("claimed_at", "<"),))) is None
    assert required_index(QueryShape("alerts", orders=(("claimed_at", DESCENDING),))) is None
    both = QueryShape("alerts", filters=(("claimed_at", "<"),), orders=(("claimed_at", DESCENDING),))
    assert required_index(both) is None
    paged = QueryShape("interactions", (("sort_key", ">"), ("sort_key", "<=")), (("sort_key", ASCENDING),))
    assert required_index(paged) is None


def test_equality_with_an_order_on_name_only_needs_no_index():
    query = QueryShape("alerts", filters=(("state", "=="),), orders=((NAME, DESCENDING),))
    assert required_index(query) is None


def test_an_order_on_the_range_field_gives_the_same_index_as_none():
    explicit = QueryShape(
        "interactions", (("supporter_id", "=="), ("occurred_on", ">=")), (("occurred_on", ASCENDING),)
    )
    assert required_index(explicit) == required_index(ADAPTER_QUERIES[0])


def test_a_range_on_one_field_ordered_by_another_orders_the_range_field_next():
    query = QueryShape("alerts", filters=(("claimed_at", "<"),), orders=(("created_at", DESCENDING),))
    assert required_index(query) == IndexShape(
        "alerts", (("created_at", DESCENDING), ("claimed_at", DESCENDING), (NAME, DESCENDING))
    )


def test_equality_fields_come_first_by_name_and_ordering_one_changes_nothing():
    query = QueryShape(
        "interactions",
        filters=(("week", "=="), ("supporter_id", "in"), ("occurred_on", ">")),
        orders=(("week", ASCENDING), ("occurred_on", ASCENDING)),
    )
    assert required_index(query) == IndexShape(
        "interactions",
        (("supporter_id", ASCENDING), ("week", ASCENDING), ("occurred_on", ASCENDING), (NAME, ASCENDING)),
    )


def test_array_contains_with_an_order_needs_a_contains_field():
    query = QueryShape("supporters", filters=(("topics", "array_contains"),), orders=(("alias", ASCENDING),))
    assert required_index(query) == IndexShape(
        "supporters", (("topics", CONTAINS), ("alias", ASCENDING), (NAME, ASCENDING))
    )


def test_one_field_against_name_in_the_other_direction_needs_an_index():
    query = QueryShape("alerts", orders=(("claimed_at", ASCENDING), (NAME, DESCENDING)))
    assert required_index(query) == IndexShape("alerts", (("claimed_at", ASCENDING), (NAME, DESCENDING)))


@pytest.mark.parametrize(
    "query",
    [
        QueryShape("alerts", filters=(("state", "~="),)),
        QueryShape("alerts", orders=(("state", "asc"),)),
        QueryShape("alerts", filters=(("a", "<"), ("b", ">"))),
    ],
)
def test_unknown_operators_directions_and_two_range_fields_are_refused(query):
    with pytest.raises(ValueError):
        required_index(query)


def test_an_index_serves_its_equality_fields_in_any_order_but_the_rest_exactly():
    query = QueryShape("interactions", filters=(("b", "=="), ("a", "=="), ("c", ">")))
    swapped = IndexShape(
        "interactions", (("b", DESCENDING), ("a", ASCENDING), ("c", ASCENDING), (NAME, ASCENDING))
    )
    wrong_tail = IndexShape(
        "interactions", (("a", ASCENDING), ("b", ASCENDING), ("c", DESCENDING), (NAME, DESCENDING))
    )
    assert serves(swapped, query)
    assert not serves(wrong_tail, query)
    assert missing_indexes([query, query], {wrong_tail}) == [required_index(query)]
    assert missing_indexes([query], {swapped}) == []


def test_declared_indexes_reads_collection_scoped_literal_blocks(tmp_path: Path):
    (tmp_path / "indexes.tf").write_text(
        """
resource "google_firestore_index" "by_state" {
  collection = "alerts"
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path   = "tags"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

resource "google_firestore_index" "group" {
  collection  = "alerts"
  query_scope = "COLLECTION_GROUP"
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
}
"""
    )
    assert declared_indexes(tmp_path) == {
        IndexShape("alerts", (("state", ASCENDING), ("tags", CONTAINS), (NAME, ASCENDING)))
    }


def test_declared_indexes_refuses_computed_fields(tmp_path: Path):
    (tmp_path / "indexes.tf").write_text(
        'resource "google_firestore_index" "x" {\n  collection = var.collection\n'
        '  fields {\n    field_path = "a"\n    order = "ASCENDING"\n  }\n}\n'
    )
    with pytest.raises(ValueError, match="literal"):
        declared_indexes(tmp_path)


# --- Functions, source and build ---------------------------------------------------------------


def test_one_function_per_entry_point(tf):
    functions = local_values(tf)["functions"]
    assert set(functions) == ENTRY_POINTS
    tree = ast.parse((ROOT / "functions" / "main.py").read_text())
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert ENTRY_POINTS <= defined, "functions/main.py must define every entry point"

    fn = resources(tf, "google_cloudfunctions2_function")
    assert set(fn) == {"fn"}
    assert fn["fn"]["for_each"] == "${local.functions}"


def test_functions_build_python311_from_the_repository_root(tf):
    fn = resources(tf, "google_cloudfunctions2_function")["fn"]
    build = one(fn, "build_config")
    assert literal(build["runtime"]) == "python311"
    assert build["entry_point"] == "${each.key}"
    assert {k: literal(v) for k, v in build["environment_variables"].items()} == {
        "GOOGLE_FUNCTION_SOURCE": "functions/main.py"
    }
    storage = one(one(build, "source"), "storage_source")
    assert storage["bucket"] == "${google_storage_bucket.source.name}"
    assert storage["object"] == "${google_storage_bucket_object.source.name}"


def test_source_archive_is_the_repository_root_without_dev_files(tf):
    archive = blocks(tf, "data", "archive_file")["source"]
    assert literal(archive["type"]) == "zip"
    assert archive["source_dir"] == '"${path.module}/.."'
    excludes = {unquote(e) for e in archive["excludes"]}
    assert excludes >= {
        "tests",
        "infra",
        ".git",
        ".venv",
        ".venv-checkov",
        "node_modules",
        ".data",
        "bench",
        "__pycache__",
        "**/__pycache__",
    }
    # What the functions import and read at run time must stay in the zip.
    for kept in ["requirements.txt", "functions/main.py", "shared/__init__.py", "shared/config.py", "forms"]:
        parts = Path(kept).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hits = [(e, p) for e in excludes for p in prefixes if p == e or ("*" in e and fnmatch.fnmatch(p, e))]
        assert not hits, f"{kept} would be left out of the function source by {hits}"


def test_source_object_is_named_by_the_archive_hash(tf):
    obj = resources(tf, "google_storage_bucket_object")["source"]
    assert re.search(r"data\.archive_file\.source\.output_(md5|sha|sha256|base64sha256)\b", obj["name"])
    assert obj["source"] == "${data.archive_file.source.output_path}"
    assert obj["bucket"] == "${google_storage_bucket.source.name}"


def test_source_bucket_is_private_uniform_and_versioned(tf):
    bucket = resources(tf, "google_storage_bucket")["source"]
    assert bucket["uniform_bucket_level_access"] is True
    assert literal(bucket["public_access_prevention"]) == "enforced"
    assert one(bucket, "versioning")["enabled"] is True


def test_function_urls_in_the_environment_cannot_form_a_cycle(tf):
    """A function cannot read its own URL, so the URL settings come from a deterministic local."""
    locals_ = local_values(tf)
    assert not [name for name, value in locals_.items() if FN in json.dumps(value)]
    app_env = locals_["app_env"]
    for key, function in [
        ("LOG", "log_interaction"),
        ("SURVEY", "survey"),
        ("ADMIN", "admin"),
        ("CONSOLE", "console"),
    ]:
        assert f'SIDEBYSIDE_{key}_URL = local.urls["{function}"]' in app_env
    assert "run.app" in locals_["urls"] and "data.google_project.this.number" in locals_["urls"]
    fn = resources(tf, "google_cloudfunctions2_function")["fn"]
    assert one(fn, "service_config")["environment_variables"].startswith("${merge(local.app_env, {")
    # ...and every apply checks those URLs against the ones Cloud Run serves.
    served = blocks(tf, "data", "google_cloud_run_v2_service")["fn"]
    assert served["for_each"] == "${local.functions}"
    assert "google_cloudfunctions2_function.fn[each.key].service_config[0].service" in served["name"]
    postcondition = one(one(served, "lifecycle"), "postcondition")
    assert postcondition["condition"] == "${contains(self.urls, local.urls[each.key])}"


# --- Who may call what -------------------------------------------------------------------------


RUN_SERVICE_IAM = ("google_cloud_run_v2_service_iam_member", "google_cloud_run_service_iam_member")


def invoker_bindings(tf) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (type_, name, body)
        for type_, name, body in all_resources(tf)
        if body.get("role") and literal(body["role"]) == "roles/run.invoker"
    ]


def test_only_log_interaction_survey_and_console_are_public(tf):
    functions = local_values(tf)["functions"]
    assert {name for name, f in functions.items() if f["public"] is True} == PUBLIC
    assert {name for name, f in functions.items() if f["public"] is False} == ENTRY_POINTS - PUBLIC

    public_members = []
    for type_, name, body in all_resources(tf):
        members = [body.get("member", "")] + list(body.get("members", []))
        if any("allUsers" in m or "allAuthenticatedUsers" in m for m in members if isinstance(m, str)):
            public_members.append((type_, name))
    assert public_members == [("google_cloud_run_v2_service_iam_member", "public")]
    public = resources(tf, "google_cloud_run_v2_service_iam_member")["public"]
    assert literal(public["member"]) == "allUsers"
    assert public["for_each"] == "${{for key, f in local.functions : key => f if f.public}}"
    assert public["name"] == "${google_cloudfunctions2_function.fn[each.key].service_config[0].service}"


def test_invoker_is_granted_only_on_cloud_run_services_of_the_functions(tf):
    bindings = invoker_bindings(tf)
    assert bindings
    for type_, name, body in bindings:
        assert type_ in RUN_SERVICE_IAM, name
        target = body.get("name", body.get("service"))
        assert target.startswith(f"${{{FN}[") and target.endswith("].service_config[0].service}"), name
    types = {type_ for type_, _, _ in all_resources(tf)}
    assert not [t for t in types if t.startswith("google_cloudfunctions2_function_iam")]
    assert not [t for t in types if t.startswith("google_project_iam") and "invoker" in t]


def test_scheduler_may_invoke_send_report_and_nothing_else(tf):
    scheduler_member = "serviceAccount:${google_service_account.scheduler.email}"
    grants = [
        (name, body)
        for type_, name, body in all_resources(tf)
        if scheduler_member in str(body.get("member", ""))
    ]
    assert len(grants) == 1
    _, body = grants[0]
    assert literal(body["role"]) == "roles/run.invoker"
    assert body["name"] == service_of("send_report")


def test_admin_members_may_invoke_admin_only(tf):
    admin = resources(tf, "google_cloud_run_v2_service_iam_member")["admin"]
    assert admin["for_each"] == "${toset(var.admin_members)}"
    assert admin["member"] == "${each.value}"
    assert admin["name"] == service_of("admin")
    rule = one(variables(tf)["admin_members"], "validation")["condition"]
    assert "^(user|group|serviceAccount|domain):" in rule


def test_scheduler_posts_to_send_report_with_an_oidc_token_for_its_url(tf):
    job = resources(tf, "google_cloud_scheduler_job")["send_report"]
    target = one(job, "http_target")
    url = f'${{{FN}["send_report"].service_config[0].uri}}'
    assert literal(target["http_method"]) == "POST"
    assert target["uri"] == url
    token = one(target, "oidc_token")
    assert token["audience"] in (url, f'${{{FN}["send_report"].url}}')
    assert token["service_account_email"] == "${google_service_account.scheduler.email}"
    assert job["schedule"] == "${var.report_schedule}"
    assert job["time_zone"] == "${var.time_zone}"
    declared = variables(tf)
    assert literal(declared["report_schedule"]["default"]) == "0 7 1 * *"
    assert literal(declared["time_zone"]["default"]) == "America/Toronto"
    assert 1 <= one(job, "retry_config")["retry_count"] <= 5


# --- Secrets -----------------------------------------------------------------------------------


def test_secret_settings_reach_the_functions_only_as_secret_environment_variables(tf):
    service = one(resources(tf, "google_cloudfunctions2_function")["fn"], "service_config")
    secret_env = {literal(s["key"]): s for s in service["secret_environment_variables"]}
    assert set(secret_env) == SECRET_ENV
    for key, secret in [
        ("SIDEBYSIDE_SECRET_KEY", "secret_key"),
        ("SIDEBYSIDE_ADMIN_TOKEN", "admin_token"),
        ("SIDEBYSIDE_MAIL", "mail_url"),
    ]:
        assert secret_env[key]["secret"] == f'${{google_secret_manager_secret.app["{secret}"].secret_id}}'
        assert secret_env[key]["version"] == f"${{google_secret_manager_secret_version.{secret}.version}}"
    plain_env = set(re.findall(r"\b(SIDEBYSIDE_\w+) = ", local_values(tf)["app_env"]))
    assert {"SIDEBYSIDE_STORE", "SIDEBYSIDE_MAIL_FROM", "SIDEBYSIDE_TIMEZONE"} <= plain_env
    assert not plain_env & SECRET_ENV
    extra_env_rule = one(variables(tf)["extra_env"], "validation")["condition"]
    assert all(name in extra_env_rule for name in SECRET_ENV)


def test_secret_values_come_from_random_passwords_and_a_sensitive_variable(tf):
    versions = resources(tf, "google_secret_manager_secret_version")
    assert {name: v["secret_data"] for name, v in versions.items()} == {
        "secret_key": "${random_password.secret_key.result}",
        "admin_token": "${random_password.admin_token.result}",
        "mail_url": "${var.mail_url}",
    }
    for name, password in resources(tf, "random_password").items():
        assert password["length"] >= 32, name
    assert variables(tf)["mail_url"]["sensitive"] is True
    secrets = resources(tf, "google_secret_manager_secret")["app"]
    assert secrets["for_each"] == "${local.secrets}"
    assert local_values(tf)["secrets"] == '${toset(["secret_key", "admin_token", "mail_url"])}'
    assert "auto" in one(secrets, "replication") or "user_managed" in one(secrets, "replication")


def test_secret_access_is_granted_per_secret_never_project_wide(tf):
    accessor = resources(tf, "google_secret_manager_secret_iam_member")["runtime"]
    assert accessor["for_each"] == "${google_secret_manager_secret.app}"
    assert literal(accessor["role"]) == "roles/secretmanager.secretAccessor"
    assert accessor["member"] == '"serviceAccount:${google_service_account.runtime.email}"'
    for type_, name, body in all_resources(tf):
        if type_.startswith(("google_project_iam", "google_organization_iam", "google_folder_iam")):
            assert "secretmanager" not in str(body.get("role", "")), f"{type_}.{name}"


def test_runtime_account_uses_firestore_only_in_the_program_database(tf):
    grant = resources(tf, "google_project_iam_member")["runtime_firestore"]
    assert literal(grant["role"]) == "roles/datastore.user"
    assert grant["member"] == '"serviceAccount:${google_service_account.runtime.email}"'
    assert "google_firestore_database.db.name" in one(grant, "condition")["expression"]
    runtime_roles = sorted(
        literal(body["role"])
        for _, _, body in all_resources(tf)
        if "google_service_account.runtime.email" in str(body.get("member", ""))
    )
    assert runtime_roles == ["roles/datastore.user", "roles/secretmanager.secretAccessor"]


# Things that look like credentials. A URL's password part may be a placeholder in capitals.
CREDENTIAL_PATTERNS = [
    re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:(?![A-Z_]+@)[^\s/@'\"]+@"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"AIza[0-9A-Za-z_-]{35}"),
    re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
]
SECRET_NAMES = re.compile(r"(secret|password|passwd|token|api_key|private_key)", re.IGNORECASE)


def looks_random(word: str) -> bool:
    """A long token mixing lower case, capitals and digits with high entropy: a key, not prose."""
    if len(word) < 20 or "${" in word:
        return False
    classes = sum(bool(re.search(p, word)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    entropy = -sum(n / len(word) * math.log2(n / len(word)) for n in Counter(word).values())
    return classes == 3 and entropy > 3.5


def secret_findings(text: str) -> list[str]:
    found = [m.group(0) for pattern in CREDENTIAL_PATTERNS for m in pattern.finditer(text)]
    return found + [w for w in re.findall(r"[A-Za-z0-9+/=_-]{20,}", text) if looks_random(w)]


@pytest.mark.parametrize(
    "text",
    [
        'mail_url = "smtp://peer:hunter2hunter2@smtp.example.org:587"',
        'key = "q8ZfX2vLr9TnB4wKc7YdP1sHm"',
        "-----BEGIN RSA PRIVATE KEY-----",
        'aws = "AKIAIOSFODNN7EXAMPLE"',
    ],
)
def test_the_secret_scan_finds_planted_secrets(text):
    assert secret_findings(text)


def test_no_secret_is_written_in_plain_text_in_infra():
    scanned = [p for p in INFRA.iterdir() if p.is_file() and p.suffix != ".zip"]
    scanned.append(ROOT / "README.md")  # the deploy instructions
    findings = {p.name: found for p in scanned if p.exists() and (found := secret_findings(p.read_text()))}
    assert findings == {}


def test_secret_like_attributes_and_variables_are_never_literals(tf):
    def walk(value: Any, path: str) -> list[str]:
        if isinstance(value, dict):
            return [hit for key, item in value.items() for hit in walk(item, f"{path}.{unquote(key)}")]
        if isinstance(value, list):
            return [hit for item in value for hit in walk(item, path)]
        name = path.rsplit(".", 1)[-1]
        is_literal = isinstance(value, str) and value.startswith('"') and "${" not in value
        return [path] if is_literal and SECRET_NAMES.search(name) and name not in ("secret_id",) else []

    hits = [hit for type_, name, body in all_resources(tf) for hit in walk(body, f"{type_}.{name}")]
    assert hits == []
    declared = variables(tf)
    for name, body in declared.items():
        if SECRET_NAMES.search(name) or name == "mail_url":
            assert body.get("sensitive") is True, name
            assert "default" not in body, name
    # No output hands out a secret value.
    for name, body in outputs(tf).items():
        assert not re.search(r"random_password|var\.mail_url|secret_data", str(body["value"])), name


# --- Project APIs and outputs ------------------------------------------------------------------


def test_the_needed_apis_are_enabled(tf):
    apis = set(re.findall(r'"([a-z]+\.googleapis\.com)"', local_values(tf)["apis"]))
    assert apis >= {
        f"{name}.googleapis.com"
        for name in (
            "cloudfunctions",
            "run",
            "cloudbuild",
            "artifactregistry",
            "firestore",
            "cloudscheduler",
            "secretmanager",
            "firebaserules",
        )
    }
    assert resources(tf, "google_project_service")["apis"]["for_each"] == "${local.apis}"


def test_outputs_give_each_function_url_and_the_cli_settings(tf):
    found = outputs(tf)
    for function in ENTRY_POINTS:
        assert found[f"{function}_url"]["value"] == f'${{{FN}["{function}"].service_config[0].uri}}'
    assert found["cli_env"]["value"] == "${local.app_env}"


# --- checkov -----------------------------------------------------------------------------------


def test_every_checkov_skip_gives_its_reason():
    config_path = INFRA / ".checkov.yaml"
    config = yaml.safe_load(config_path.read_text())
    assert config["framework"] == ["terraform"]
    lines = config_path.read_text().splitlines()
    for check in config.get("skip-check", []):
        (index,) = [i for i, line in enumerate(lines) if re.fullmatch(rf"\s*-\s*{check}\s*(#.*)?", line)]
        reason = lines[index].partition("#")[2]
        above = index - 1
        while above >= 0 and lines[above].strip().startswith("#"):
            reason = lines[above].strip().lstrip("#") + " " + reason
            above -= 1
        assert len(reason.split()) >= 8, f"{check} is skipped in {config_path.name} without a reason"


@pytest.mark.slow  # checkov runs from its own virtualenv for a minute or so
def test_checkov_finds_no_failed_check_and_no_parsing_error():
    if not CHECKOV.exists():
        pytest.fail(
            f"{CHECKOV.relative_to(ROOT)} is missing: run `make test`, which installs checkov "
            "into its own virtualenv .venv-checkov"
        )
    result = subprocess.run(CHECKOV_COMMAND, cwd=ROOT, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON report (exit {result.returncode}):\n{result.stderr[-3000:]}")
    assert isinstance(report, dict) and report.get("check_type") == "terraform", report
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range']}): {c['check_name']}"
        for c in report["results"].get("failed_checks", [])
    ]
    assert failed == []
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] > 0 and summary["passed"] > 0, summary
    assert result.returncode == 0, result.stderr[-3000:]


def test_maintenance_jobs_call_send_reports_alerts_and_daily_paths_with_its_audience(tf):
    job = resources(tf, "google_cloud_scheduler_job")["maintenance"]
    url = f'${{{FN}["send_report"].service_config[0].uri}}'
    assert {key: literal(value) for key, value in job["for_each"].items()} == {
        "alerts": "*/5 * * * *",
        "daily": "30 3 * * *",
    }
    target = one(job, "http_target")
    assert literal(target["http_method"]) == "POST"
    assert target["uri"].strip('"') == f"{url}/${{each.key}}"
    token = one(target, "oidc_token")
    assert token["audience"] == url
    assert token["service_account_email"] == "${google_service_account.scheduler.email}"


# --- Build permissions (issue 15, item 1) --------------------------------------------------------

# "Configure a build service account" (https://cloud.google.com/run/docs/configuring/services/build-service-account):
# Logs Writer, Artifact Registry Writer and Storage Object Admin.
BUILD_ROLES = {"roles/logging.logWriter", "roles/artifactregistry.writer", "roles/storage.objectAdmin"}
BUILD_MEMBER = "google_service_account.build.email"


def grants_to(tf, member: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        literal(body["role"]): (type_, name, body)
        for type_, name, body in all_resources(tf)
        if member in str(body.get("member", ""))
    }


def test_build_account_has_exactly_the_documented_roles_as_narrowly_as_each_allows(tf):
    grants = grants_to(tf, BUILD_MEMBER)
    assert set(grants) == BUILD_ROLES
    # Images: the program's repository only.
    type_, _, images = grants["roles/artifactregistry.writer"]
    assert type_ == "google_artifact_registry_repository_iam_member"
    assert images["repository"] == "${google_artifact_registry_repository.functions.name}"
    # Source: Storage Object Admin, with no condition (a storage condition needs uniform
    # bucket-level access on gcf-v2-sources-*, a bucket Terraform neither creates nor manages).
    type_, _, source = grants["roles/storage.objectAdmin"]
    assert type_ == "google_project_iam_member" and "condition" not in source
    # No bucket of this project holds program data: Storage holds source and nothing else.
    assert set(resources(tf, "google_storage_bucket")) == {"source"}


def test_functions_wait_for_the_build_grants_to_propagate(tf):
    wait = resources(tf, "time_sleep")["build_grants"]
    seconds = int(re.fullmatch(r"(\d+)s", literal(wait["create_duration"])).group(1))
    assert seconds >= 60  # the provider's gen2 custom-builder example waits 60 s
    waited_for = {ref.strip("${}") for ref in wait["depends_on"]}
    granted = {f"{type_}.{name}" for type_, name, _ in grants_to(tf, BUILD_MEMBER).values()}
    assert waited_for == granted
    fn = resources(tf, "google_cloudfunctions2_function")["fn"]
    depends = {ref.strip("${}") for ref in fn["depends_on"]}
    assert "time_sleep.build_grants" in depends
    assert not granted & depends, "functions must wait for the sleep, not only for the grants"
    assert one(fn, "build_config")["service_account"] == "${google_service_account.build.id}"
    providers = tf["main.tf"]["terraform"][0]["required_providers"][0]
    assert literal(providers["time"]["source"]) == "hashicorp/time"


# --- A survey blast (issue 15, item 2) -----------------------------------------------------------

# The stated load (README, "Deploy to Google Cloud"): 17 schools, 2,000 students each invited at
# once, half opening within ten minutes; two requests per student; a peak three times the average;
# 0.25 s per request.
SCHOOLS, INVITED, OPENING, WINDOW_S, REQUESTS_EACH, PEAK, SECONDS_EACH = 17, 2000, 0.5, 600, 2, 3, 0.25


def needed_in_flight() -> float:
    """Little's law: requests in flight = arrival rate x time in the system."""
    rate = SCHOOLS * INVITED * OPENING * REQUESTS_EACH / WINDOW_S * PEAK
    return rate * SECONDS_EACH


def test_needed_in_flight_matches_the_figures_in_the_comments():
    assert math.ceil(needed_in_flight()) == 43


def test_each_function_sets_concurrency_cpu_and_instances_and_survey_holds_the_blast(tf):
    functions = local_values(tf)["functions"]
    service = one(resources(tf, "google_cloudfunctions2_function")["fn"], "service_config")
    assert service["max_instance_request_concurrency"] == "${each.value.concurrency}"
    assert service["available_cpu"] == "${each.value.cpu}"
    assert (
        service["max_instance_count"] == "${lookup(var.instance_limits, each.key, each.value.max_instances)}"
    )
    # gunicorn's threads follow the concurrency (functions-framework defaults to 4 per CPU).
    env = service["environment_variables"]
    assert "THREADS = tostring(each.value.concurrency)" in env and 'WORKERS = "1"' in env
    for name, f in functions.items():
        # Cloud Run refuses concurrency above 1 with less than one vCPU.
        assert f["concurrency"] == 1 or float(literal(f["cpu"])) >= 1, name
        assert 1 <= f["max_instances"] <= 20, name
    survey = functions["survey"]
    slots = survey["concurrency"] * survey["max_instances"]
    assert slots >= 4 * needed_in_flight()
    # The README states the same figures.
    readme = " ".join((ROOT / "README.md").read_text().split())
    for name, f in functions.items():
        row = f"| `{name}` | {f['concurrency']} | {f['max_instances']} | {literal(f['cpu'])} |"
        assert row in readme, row
    assert "17 schools" in readme and "2,000 students" in readme


# --- Log exclusions (issue 15, item 5) -----------------------------------------------------------

SINK_TYPES = (
    "google_logging_project_sink",
    "google_logging_folder_sink",
    "google_logging_organization_sink",
    "google_logging_billing_account_sink",
)


def sinks_without_the_token_exclusion(tf) -> list[str]:
    missing = []
    for type_, name, body in all_resources(tf):
        if type_ not in SINK_TYPES:
            continue
        filters = [e.get("filter") for e in body.get("exclusions", [])]
        if "${local.token_url_exclusion.filter}" not in filters:
            missing.append(f"{type_}.{name}")
    return missing


def test_the_token_exclusion_filter_names_the_public_services_request_logs(tf):
    text = str(local_values(tf)["token_url_exclusion"])
    assert (
        'log_id(\\\\"run.googleapis.com/requests\\\\")' in text
        or 'log_id(\\"run.googleapis.com/requests\\")' in text
    )
    assert 'function_names["log_interaction"]' in text and 'function_names["survey"]' in text
    assert 'function_names["console"]' in text  # sign-in links carry their token in the path
    assert "admin" not in text and "send_report" not in text
    exclusion = resources(tf, "google_logging_project_exclusion")["token_urls"]
    assert exclusion["filter"] == "${local.token_url_exclusion.filter}"


def test_every_sink_carries_the_token_exclusion(tf):
    assert resources(tf, "google_logging_project_sink")["extra"]["for_each"] == "${var.log_sinks}"
    assert sinks_without_the_token_exclusion(tf) == []


def test_a_sink_without_the_exclusion_is_caught(tmp_path: Path):
    (tmp_path / "sinks.tf").write_text(
        'resource "google_logging_project_sink" "archive" {\n'
        '  name = "archive"\n  destination = "storage.googleapis.com/x"\n}\n'
    )
    assert sinks_without_the_token_exclusion(load_terraform(tmp_path)) == [
        "google_logging_project_sink.archive"
    ]
