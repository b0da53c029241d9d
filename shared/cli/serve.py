"""``sidebyside serve``: every function on one local server."""

from __future__ import annotations

import click

from shared import config
from shared.bootstrap import App
from shared.web.serve import serve as run


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--no-jobs", is_flag=True, help="Do not run the report schedule and alert retries.")
@click.pass_obj
def serve(app: App, host: str, port: int, threads: int, no_jobs: bool) -> None:
    """Serve every function under /<function_name>/ (log_interaction, survey, admin, send_report, console)."""
    app.store  # open the store now, so a bad store fails before listening  # noqa: B018
    # Commands run in another shell link to this server (unless SIDEBYSIDE_BASE_URL says otherwise).
    config.record_server_url(app.settings.data_dir, host, port)
    click.echo(f"Side-by-Side on http://{host}:{port}/ (store: {app.settings.store.kind})")
    run(app, host, port, background=not no_jobs, threads=threads)
