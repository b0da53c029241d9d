# The deployed URLs, and the settings the sidebyside CLI needs to work against the deployment.

output "log_interaction_url" {
  description = "URL of the log_interaction function (public)."
  value       = google_cloudfunctions2_function.fn["log_interaction"].service_config[0].uri
}

output "survey_url" {
  description = "URL of the survey function (public)."
  value       = google_cloudfunctions2_function.fn["survey"].service_config[0].uri
}

output "admin_url" {
  description = "URL of the admin function (callers need roles/run.invoker: var.admin_members)."
  value       = google_cloudfunctions2_function.fn["admin"].service_config[0].uri
}

output "console_url" {
  description = "URL of the coordinators' console (public; the app signs coordinators in)."
  value       = google_cloudfunctions2_function.fn["console"].service_config[0].uri
}

output "send_report_url" {
  description = "URL of the send_report function (only the scheduler account may call it)."
  value       = google_cloudfunctions2_function.fn["send_report"].service_config[0].uri
}

output "cli_env" {
  description = "Non-secret SIDEBYSIDE_* settings, the same the functions get; links use the deterministic run.app URLs."
  value       = local.app_env
}

output "cli_env_exports" {
  description = "cli_env as shell export lines: eval \"$(terraform output -raw cli_env_exports)\"."
  value = join("\n", [
    for key, value in local.app_env : "export ${key}='${replace(value, "'", "'\\''")}'"
  ])
}

output "secret_ids" {
  description = "Secret Manager secret IDs; read one with: gcloud secrets versions access latest --secret=ID."
  value = {
    for key, secret in google_secret_manager_secret.app :
    upper("SIDEBYSIDE_${key == "mail_url" ? "mail" : key}") => secret.secret_id
  }
}

output "scheduler_job" {
  description = "Cloud Scheduler job that calls send_report; run it now with: gcloud scheduler jobs run NAME --location=REGION."
  value       = google_cloud_scheduler_job.send_report.name
}

output "log_sink_writers" {
  description = "Writer identity of each extra log sink (var.log_sinks): grant it write access to the sink's destination."
  value       = { for key, sink in google_logging_project_sink.extra : key => sink.writer_identity }
}
