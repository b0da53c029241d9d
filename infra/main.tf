# Side-by-Side on Google Cloud: Firestore, four Cloud Run functions (2nd gen), Secret Manager and
# a monthly Cloud Scheduler job. the README's "Deploy to Google Cloud" explains how to apply it.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.14"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # One row per HTTP entry point in functions/main.py; the key is the Python function name.
  #
  # Sizes come from a stated load (README, "Deploy to Google Cloud", "What it holds"): a national
  # network of 17 schools sharing one deployment, each inviting 2,000 students at once, half of
  # whom open the email within ten minutes. That is 17,000 students in 600 s, two requests each
  # (open the link, submit): 57 requests/s on average, 170 at a peak of three times the average.
  # A survey request makes 3-4 Firestore calls and takes about 0.25 s, so by Little's law about
  # 43 are in flight at the peak. survey gets 20 per instance x 20 instances = 400 slots, nine
  # times that, so the email landing never meets a 429.
  #
  # gen2 functions serve one request at a time per instance unless max_instance_request_concurrency
  # says otherwise ("Defaults to 1", provider docs: website/docs/r/cloudfunctions2_function.html.markdown,
  # service_config.max_instance_request_concurrency), and Cloud Run allows more than one only with
  # at least one vCPU ("defaults to 80 when requested CPU >= 1 and defaults to 1 when requested
  # CPU < 1", Cloud Run v2 RevisionTemplate.maxInstanceRequestConcurrency). functions-framework
  # serves with gunicorn's threads: THREADS, or 4 per CPU when unset
  # (functions_framework/_http/gunicorn.py), so THREADS is set to the concurrency below, and every
  # request path these functions run is thread-safe and SQLite-free (one Firestore client per
  # instance, built once under bootstrap's lock; tests/test_log_concurrency.py).
  functions = {
    log_interaction = {
      public        = true
      memory        = "512Mi"
      cpu           = "1"
      concurrency   = 20
      max_instances = 5
      timeout       = 60
      description   = "Supporters log an interaction through their personal link."
    }
    survey = {
      public        = true
      memory        = "512Mi"
      cpu           = "1"
      concurrency   = 20
      max_instances = 20
      timeout       = 60
      description   = "Students answer the follow-up survey."
    }
    admin = {
      public        = false
      memory        = "1Gi"
      cpu           = "1"
      concurrency   = 4
      max_instances = 3
      timeout       = 300
      description   = "Coordinator API; callers need roles/run.invoker (var.admin_members)."
    }
    # One report at a time: pandas and the chart take the instance's whole CPU and memory.
    send_report = {
      public        = false
      memory        = "1Gi"
      cpu           = "1"
      concurrency   = 1
      max_instances = 2
      timeout       = 540
      description   = "Builds and emails the periodic report; called by Cloud Scheduler."
    }
    # Public: coordinators open it from sign-in emails, and the app signs them in (README). Few
    # instances: its sign-in rate limits are counted in each instance's memory.
    console = {
      public        = true
      memory        = "1Gi"
      cpu           = "1"
      concurrency   = 4
      max_instances = 2
      timeout       = 300
      description   = "The coordinators' web console (one-time sign-in links, roles, audit log)."
    }
  }

  # Cloud Functions IDs allow only lowercase letters, digits and hyphens.
  function_names = { for key, _ in local.functions : key => "${var.name_prefix}-${replace(key, "_", "-")}" }

  # The functions need the URLs of log_interaction, survey and admin in their environment (links
  # in emails and admin answers), and admin needs its own. Reading google_cloudfunctions2_function
  # .fn[*].url there would make the resource depend on itself: a cycle, which Terraform rejects.
  # Cloud Run gives every service a deterministic URL, https://SERVICE-PROJECT_NUMBER.REGION.run.app,
  # and the service behind a 2nd-gen function is named after the function, so these URLs are known
  # before anything exists; data.google_cloud_run_v2_service.fn checks them against Cloud Run on
  # every apply. The scheduler job, created after send_report, takes its target and OIDC audience
  # from the deployed function's own service_config[0].uri instead, so the ID token is always
  # minted for a URL the service answers to.
  urls = {
    for key, name in local.function_names :
    key => "https://${name}-${data.google_project.this.number}.${var.region}.run.app"
  }

  # Non-secret settings, shared by every function and printed for the CLI (output cli_env).
  app_env = merge(var.extra_env, {
    SIDEBYSIDE_STORE           = "firestore://${var.project_id}/${google_firestore_database.db.name}"
    SIDEBYSIDE_BASE_URL        = local.urls["admin"]
    SIDEBYSIDE_LOG_URL         = local.urls["log_interaction"]
    SIDEBYSIDE_SURVEY_URL      = local.urls["survey"]
    SIDEBYSIDE_ADMIN_URL       = local.urls["admin"]
    SIDEBYSIDE_CONSOLE_URL     = local.urls["console"]
    SIDEBYSIDE_COORDINATORS    = join(",", var.coordinators)
    SIDEBYSIDE_TIMEZONE        = var.time_zone
    SIDEBYSIDE_REPORT_SCHEDULE = var.report_schedule
    SIDEBYSIDE_PROGRAM_NAME    = var.program_name
    SIDEBYSIDE_PROGRAM_NAME_FR = var.program_name_fr
    SIDEBYSIDE_MAIL_FROM       = var.mail_from
  })

  # Settings held in Secret Manager and handed to the functions as secret environment variables:
  # SIDEBYSIDE_SECRET_KEY, SIDEBYSIDE_ADMIN_TOKEN and SIDEBYSIDE_MAIL.
  secrets = toset(["secret_key", "admin_token", "mail_url"])

  apis = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firebaserules.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "apis" {
  for_each = local.apis

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# ---------------------------------------------------------------------------------------------
# Firestore: the database, the composite indexes the Firestore store adapter's queries need, and
# security rules that shut out every browser or mobile client.

resource "google_firestore_database" "db" {
  project                           = var.project_id
  name                              = var.database_name
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  app_engine_integration_mode       = "DISABLED"
  # Off unless var.point_in_time_recovery: while on, Firestore keeps a readable version of every
  # document as of each minute of the last 7 days, including answers before the daily reseal and
  # redemptions already purged, which would pair them (README, "Point-in-time recovery").
  point_in_time_recovery_enablement = var.point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  # terraform destroy leaves the database (and the program's records) in place.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.apis]
}

# Each index ends with __name__ in the direction of the field before it: Firestore adds that field
# itself, and declaring it keeps every plan from replacing the index.
# tests/infra_indexes.py derives these from the adapter's queries; tests/test_infra.py checks them.

# interactions where supporter_id == ? and occurred_on >= ?
resource "google_firestore_index" "interactions_supporter_occurred_on" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "interactions"

  fields {
    field_path = "supporter_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "occurred_on"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# interactions where supporter_id == ? order by occurred_on desc limit 1 (Supporters' "last logged")
resource "google_firestore_index" "interactions_supporter_last_day" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "interactions"

  fields {
    field_path = "supporter_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "occurred_on"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

# interactions where supporter_id == ? order by created_at desc limit 1
resource "google_firestore_index" "interactions_supporter_latest" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "interactions"

  fields {
    field_path = "supporter_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "created_at"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

# claims where job == ? and finished_at < ? (the daily purge of finished claims, job by job)
resource "google_firestore_index" "claims_job_finished_at" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "claims"

  fields {
    field_path = "job"
    order      = "ASCENDING"
  }
  fields {
    field_path = "finished_at"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# answers where survey_id == ? and id > ? order by id (paging through one survey's answers)
resource "google_firestore_index" "answers_survey_id" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "answers"

  fields {
    field_path = "survey_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# links where survey_id == ? and email_key > "" (a survey's invitations, not its anonymous links)
resource "google_firestore_index" "links_survey_email_key" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "links"

  fields {
    field_path = "survey_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "email_key"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# follow_ups where supporter_id == ? and due <= ? (a supporter's follow-ups due by a date)
resource "google_firestore_index" "follow_ups_supporter_due" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "follow_ups"

  fields {
    field_path = "supporter_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "due"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# follow_ups where supporter_id == ? and state == "open" and due <= ? (the supporter's list)
resource "google_firestore_index" "follow_ups_state_supporter_due" {
  project    = var.project_id
  database   = google_firestore_database.db.name
  collection = "follow_ups"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "supporter_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "due"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id

  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/firestore.rules")
    }
  }

  # A ruleset in use by a release cannot be deleted, so a changed rules file must be released first.
  lifecycle {
    create_before_destroy = true
  }

  depends_on = [google_project_service.apis]
}

# The provider documents that "Firestore Rules Releases will always have the name 'cloud.firestore'"
# (website/docs/r/firebaserules_release.html.markdown, argument "name"), which is the (default)
# database's release. A named database has a release of its own, cloud.firestore/DATABASE_ID
# (gcloud firebase security-rules release: "e.g. cloud.firestore/(default),
# cloud.firestore/DATABASE_ID"), so only a named database gets the suffix.
resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = google_firestore_database.db.name == "(default)" ? "cloud.firestore" : "cloud.firestore/${google_firestore_database.db.name}"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}"
}

# ---------------------------------------------------------------------------------------------
# Service accounts, each with only what it needs.

resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-fn"
  display_name = "Side-by-Side functions (runtime)"
}

resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-build"
  display_name = "Side-by-Side functions (Cloud Build)"
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "Side-by-Side report scheduler"
}

# Firestore has no per-database IAM resource, so the grant is project-level, narrowed by an IAM
# condition to the program's database.
resource "google_project_iam_member" "runtime_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.runtime.email}"

  condition {
    title       = "${var.name_prefix}-database-only"
    description = "Only the Side-by-Side Firestore database."
    expression  = "resource.name == \"projects/${var.project_id}/databases/${google_firestore_database.db.name}\""
  }
}

# The runtime account may read its own three secrets and nothing else in Secret Manager.
resource "google_secret_manager_secret_iam_member" "runtime" {
  for_each = google_secret_manager_secret.app

  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.runtime.email}"
}

# The build account gets the three roles Google lists for a build service account ("Configure a
# build service account", https://cloud.google.com/run/docs/configuring/services/build-service-account:
# Logs Writer, Artifact Registry Writer, Storage Object Admin), as narrowly as each allows:
# - Logs Writer on the project: logs have no narrower resource to grant on.
# - Artifact Registry Writer on the program's image repository only (build_images below).
# - Storage Object Admin on the project, without an IAM condition: the build reads the source
#   from the gcf-v2-sources-<project number>-<region> bucket, which Cloud Functions creates on the
#   first deploy, outside Terraform, so it cannot be granted on before it exists, and a
#   condition on a storage resource only holds where the bucket has uniform bucket-level
#   access, which Terraform cannot set on a bucket it does not manage. The project is used only
#   for Side-by-Side (README, "What you need"), and its buckets hold only function source and
#   images built from this public repository: no record of the program is in Cloud Storage.
resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "build_source" {
  project = var.project_id
  role    = "roles/storage.objectAdmin"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_artifact_registry_repository_iam_member" "build_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

# IAM grants take up to a few minutes to reach every Google service; a build started the moment
# they are made can still be refused its source or repository. The provider's own gen2 example
# with a custom build account (google_cloudfunctions2_function, "Cloudfunctions2 Basic Builder")
# waits 60 s after its grants before creating the function; so does this, and the functions
# depend on the wait, so the first apply does not fail on a build denied access.
resource "time_sleep" "build_grants" {
  create_duration = "60s"

  depends_on = [
    google_project_iam_member.build_logs,
    google_project_iam_member.build_source,
    google_artifact_registry_repository_iam_member.build_images,
  ]
}

# ---------------------------------------------------------------------------------------------
# Secrets: generated here (signing key, admin token) or passed in as a sensitive variable (mail URL).
# Their values also sit in the Terraform state, so the state must be kept private (README, "Deploy to Google Cloud").

resource "google_secret_manager_secret" "app" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = "${var.name_prefix}-${replace(each.key, "_", "-")}"

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [google_project_service.apis]
}

resource "random_password" "secret_key" {
  length  = 48
  special = false
}

resource "random_password" "admin_token" {
  length  = 40
  special = false
}

# New versions are created before old ones are destroyed, so instances started in between still
# find the version their function names.
resource "google_secret_manager_secret_version" "secret_key" {
  secret      = google_secret_manager_secret.app["secret_key"].id
  secret_data = random_password.secret_key.result

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_secret_manager_secret_version" "admin_token" {
  secret      = google_secret_manager_secret.app["admin_token"].id
  secret_data = random_password.admin_token.result

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_secret_manager_secret_version" "mail_url" {
  secret      = google_secret_manager_secret.app["mail_url"].id
  secret_data = var.mail_url

  lifecycle {
    create_before_destroy = true
  }
}

# ---------------------------------------------------------------------------------------------
# Source upload and build.

# The whole repository is the function source: functions/main.py imports the top-level shared/
# package and reads forms/. Only what the functions need at run time goes in the zip.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.build/source.zip"
  excludes = [
    ".git",
    ".ci",
    ".venv",
    ".venv-checkov",
    ".data",
    ".env",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
    "package.json",
    "package-lock.json",
    # Without these the Python buildpack sees only requirements.txt and installs exactly that.
    "pyproject.toml",
    "*.egg-info",
    "tests",
    "infra",
    "bench",
    "docs",
    "build",
    "__pycache__",
    "**/__pycache__",
    "**/*.pyc",
  ]
}

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Named after the archive's hash: a code change uploads a new object, and the changed object name
# in build_config makes Terraform redeploy the functions.
resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

resource "google_artifact_registry_repository" "functions" {
  project       = var.project_id
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  format        = "DOCKER"
  description   = "Side-by-Side function images."

  # Every deploy adds images; keep the newest few of each function, drop the rest after 30 days.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 5
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}

# ---------------------------------------------------------------------------------------------
# The four functions.

resource "google_cloudfunctions2_function" "fn" {
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = local.function_names[each.key]
  description = each.value.description

  build_config {
    runtime           = "python311"
    entry_point       = each.key
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    environment_variables = {
      # Built from the repository root, so requirements.txt and shared/ are in the image.
      GOOGLE_FUNCTION_SOURCE = "functions/main.py"
    }
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    max_instance_request_concurrency = each.value.concurrency
    timeout_seconds                  = each.value.timeout
    min_instance_count               = 0
    max_instance_count               = lookup(var.instance_limits, each.key, each.value.max_instances)
    # Public and private functions alike accept traffic from the internet; for admin and
    # send_report, Cloud Run rejects every request without an invoker's ID token.
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.runtime.email
    # One gunicorn worker with a thread per request Cloud Run may send (see local.functions).
    environment_variables = merge(local.app_env, {
      THREADS = tostring(each.value.concurrency)
      WORKERS = "1"
    })

    secret_environment_variables {
      key        = "SIDEBYSIDE_SECRET_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.app["secret_key"].secret_id
      version    = google_secret_manager_secret_version.secret_key.version
    }
    secret_environment_variables {
      key        = "SIDEBYSIDE_ADMIN_TOKEN"
      project_id = var.project_id
      secret     = google_secret_manager_secret.app["admin_token"].secret_id
      version    = google_secret_manager_secret_version.admin_token.version
    }
    secret_environment_variables {
      key        = "SIDEBYSIDE_MAIL"
      project_id = var.project_id
      secret     = google_secret_manager_secret.app["mail_url"].secret_id
      version    = google_secret_manager_secret_version.mail_url.version
    }
  }

  depends_on = [
    google_project_service.apis,
    google_project_iam_member.runtime_firestore,
    google_secret_manager_secret_iam_member.runtime,
    time_sleep.build_grants,
  ]
}

# Checks on every apply that each function's Cloud Run service answers at the URL in local.urls,
# which the functions and the CLI print in links: an apply that breaks this fails here, loudly.
data "google_cloud_run_v2_service" "fn" {
  for_each = local.functions

  project  = var.project_id
  location = var.region
  name     = reverse(split("/", google_cloudfunctions2_function.fn[each.key].service_config[0].service))[0]

  lifecycle {
    postcondition {
      condition     = contains(self.urls, local.urls[each.key])
      error_message = "Cloud Run serves ${each.key} at ${join(", ", self.urls)}, not at ${local.urls[each.key]}, the URL its SIDEBYSIDE_*_URL setting and the CLI use (local.urls in main.tf)."
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Who may call what. A 2nd-gen function is invoked through its Cloud Run service, so roles/run.invoker
# is granted there (the cloudfunctions2 IAM resource rejects that role).

# log_interaction and survey are opened from links in emails, by people with no Google identity.
resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = { for key, f in local.functions : key => f if f.public }

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "admin" {
  for_each = toset(var.admin_members)

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["admin"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_v2_service_iam_member" "scheduler_send_report" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["send_report"].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}

# ---------------------------------------------------------------------------------------------
# The report: Cloud Scheduler calls send_report with an ID token for the scheduler account.

resource "google_cloud_scheduler_job" "send_report" {
  project          = var.project_id
  region           = var.region
  name             = "${var.name_prefix}-send-report"
  description      = "Calls send_report on the program's report schedule."
  schedule         = var.report_schedule
  time_zone        = var.time_zone
  attempt_deadline = "${local.functions["send_report"].timeout}s"

  # send_report is idempotent per period, so a retried call cannot send a report twice. The
  # retries reach past the 15 minutes after which a claim left by a dead instance is taken over
  # (5, 10, 20, 40 and 80 minutes), so a crash mid-send still gets that month's report out.
  retry_config {
    retry_count          = 5
    min_backoff_duration = "300s"
    max_backoff_duration = "4800s"
    max_doublings        = 4
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.fn["send_report"].service_config[0].uri
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.fn["send_report"].service_config[0].uri
    }
  }

  depends_on = [
    google_project_service.apis,
    google_cloud_run_v2_service_iam_member.scheduler_send_report,
  ]
}

# The local server's job loop, done in the cloud by send_report's two maintenance paths:
# /alerts every 5 minutes (urgent alerts whose first try failed), /daily once a day (purge
# surveys past their grace period, reseal recent answers). Both are idempotent.
resource "google_cloud_scheduler_job" "maintenance" {
  for_each = {
    alerts = "*/5 * * * *"
    daily  = "30 3 * * *"
  }

  project          = var.project_id
  region           = var.region
  name             = "${var.name_prefix}-${each.key}"
  description      = "Calls send_report/${each.key}: the cloud's stand-in for the local job loop."
  schedule         = each.value
  time_zone        = var.time_zone
  attempt_deadline = "${local.functions["send_report"].timeout}s"

  retry_config {
    retry_count          = 2
    min_backoff_duration = "60s"
  }

  http_target {
    http_method = "POST"
    uri         = "${google_cloudfunctions2_function.fn["send_report"].service_config[0].uri}/${each.key}"
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.fn["send_report"].service_config[0].uri
    }
  }

  depends_on = [
    google_project_service.apis,
    google_cloud_run_v2_service_iam_member.scheduler_send_report,
  ]
}

# Survey links carry their token in the path and supporter links in the query string, and Cloud
# Run's request log records whole URLs. The app never logs a token; this keeps the platform from
# storing them either: request logs of the two public services are not ingested (their
# application logs still are).
#
# A project exclusion applies to the _Default sink only ("Specifies a set of log entries that are
# filtered out by a sink", LogExclusion, https://cloud.google.com/logging/docs/reference/v2/rest/v2/exclusions);
# every other sink routes what its own filter matches. So the same filter is also an
# `exclusions` block of every sink this Terraform creates (google_logging_project_sink.extra,
# from var.log_sinks), and tests/test_infra.py fails on a sink without it.
locals {
  token_url_exclusion = {
    name        = "${var.name_prefix}-token-urls"
    description = "Request logs of log_interaction, survey and console hold single-use tokens in their URLs."
    filter = join(" AND ", [
      "log_id(\"run.googleapis.com/requests\")",
      "resource.labels.service_name=(\"${local.function_names["log_interaction"]}\" OR \"${local.function_names["survey"]}\" OR \"${local.function_names["console"]}\")",
    ])
  }
}

resource "google_logging_project_exclusion" "token_urls" {
  project     = var.project_id
  name        = local.token_url_exclusion.name
  description = local.token_url_exclusion.description
  filter      = local.token_url_exclusion.filter
}

# Further sinks (an archive bucket, BigQuery, a SIEM's Pub/Sub topic), each with the token
# exclusion. Grant each sink's writer_identity (output log_sink_writers) access to its destination.
resource "google_logging_project_sink" "extra" {
  for_each = var.log_sinks

  project                = var.project_id
  name                   = "${var.name_prefix}-${each.key}"
  destination            = each.value.destination
  filter                 = each.value.filter
  unique_writer_identity = true

  exclusions {
    name        = local.token_url_exclusion.name
    description = local.token_url_exclusion.description
    filter      = local.token_url_exclusion.filter
  }
}
