# Inputs for the Google Cloud deployment. Only project_id, mail_from, coordinators and the
# sensitive mail_url have no default; see terraform.tfvars.example and the README.

variable "project_id" {
  description = "Google Cloud project ID to deploy into (a project used only for Side-by-Side is best)."
  type        = string
}

variable "region" {
  description = "Region for the functions, the scheduler job, the source bucket, the image repository and the secrets."
  type        = string
  default     = "northamerica-northeast1"
}

variable "firestore_location" {
  description = "Firestore location; it cannot be changed after the database is created."
  type        = string
  default     = "northamerica-northeast1"
}

variable "database_name" {
  description = "Firestore database ID. \"(default)\" gets Firestore's free daily quota; a named database does not."
  type        = string
  default     = "(default)"
}

variable "name_prefix" {
  description = "Prefix for every named resource (functions, service accounts, secrets, bucket, job)."
  type        = string
  default     = "sidebyside"

  validation {
    # Short enough that "<prefix>-log-interaction-<12-digit project number>" fits one 63-character
    # DNS label, which the deterministic run.app URLs in main.tf rely on.
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2 to 20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "program_name" {
  description = "Program name shown in pages and emails (SIDEBYSIDE_PROGRAM_NAME)."
  type        = string
  default     = "Side-by-Side Peer Support Program"
}

variable "program_name_fr" {
  description = "The program's name in French text (SIDEBYSIDE_PROGRAM_NAME_FR); empty: the French of the default name, or program_name when that is your own."
  type        = string
  default     = ""
}

variable "mail_from" {
  description = "Sender of every email, e.g. \"Side-by-Side <peer-support@example.edu>\" (SIDEBYSIDE_MAIL_FROM)."
  type        = string
}

variable "coordinators" {
  description = "Email addresses of the program coordinators who receive reports and alerts (SIDEBYSIDE_COORDINATORS)."
  type        = list(string)

  validation {
    condition     = length(var.coordinators) > 0 && alltrue([for a in var.coordinators : can(regex("^[^@\\s,]+@[^@\\s,]+$", a))])
    error_message = "coordinators must list at least one email address."
  }
}

variable "time_zone" {
  description = "IANA time zone of the program: the report schedule and the app's dates (SIDEBYSIDE_TIMEZONE)."
  type        = string
  default     = "America/Toronto"
}

variable "report_schedule" {
  description = "Cron schedule (in time_zone) on which Cloud Scheduler calls send_report."
  type        = string
  default     = "0 7 1 * *"

  validation {
    condition     = length(split(" ", trimspace(var.report_schedule))) == 5
    error_message = "report_schedule must be a 5-field cron expression such as \"0 7 1 * *\"."
  }
}

variable "mail_url" {
  description = "SIDEBYSIDE_MAIL: smtp://USER:PASS@HOST:PORT?tls=starttls|ssl or ses://REGION. Stored only in Secret Manager; pass it as TF_VAR_mail_url."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^(smtp|ses)://", var.mail_url))
    error_message = "mail_url must start with smtp:// or ses:// (the outbox: form only works on one machine)."
  }
}

variable "admin_members" {
  description = "IAM members allowed to call the admin function, e.g. [\"user:coordinator@example.edu\", \"group:peer-support-admins@example.edu\"]."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.admin_members : can(regex("^(user|group|serviceAccount|domain):", m))])
    error_message = "admin_members entries must start with user:, group:, serviceAccount: or domain: (never allUsers or allAuthenticatedUsers)."
  }
}

variable "instance_limits" {
  description = "Per-function upper bound on instances, overriding the sizes in main.tf (local.functions), e.g. { survey = 40 }. Caps cost if a public URL is flooded."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for k, n in var.instance_limits : contains(["log_interaction", "survey", "admin", "send_report"], k) && n >= 1])
    error_message = "instance_limits keys must be log_interaction, survey, admin or send_report, each with at least 1 instance."
  }
}

variable "point_in_time_recovery" {
  description = "Keep Firestore point-in-time recovery (7 days of minute-by-minute versions). Off by default: while on, those versions still pair each survey answer with its link for 7 days, and their storage is billed outside the free tier (README)."
  type        = bool
  default     = false
}

variable "log_sinks" {
  description = "Extra Cloud Logging sinks, name => { destination, filter }; each gets the exclusion that keeps token URLs out."
  type = map(object({
    destination = string
    filter      = string
  }))
  default = {}
}

variable "extra_env" {
  description = "Further non-secret SIDEBYSIDE_* settings for the functions, e.g. { SIDEBYSIDE_PROGRAM_START = \"2018-09-01\" }."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k in keys(var.extra_env) :
      startswith(k, "SIDEBYSIDE_") && !contains(["SIDEBYSIDE_SECRET_KEY", "SIDEBYSIDE_ADMIN_TOKEN", "SIDEBYSIDE_MAIL"], k)
    ])
    error_message = "extra_env keys must start with SIDEBYSIDE_ and must not be a secret (SECRET_KEY, ADMIN_TOKEN, MAIL live in Secret Manager)."
  }
}
