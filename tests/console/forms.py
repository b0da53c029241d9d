"""Submit a console page's own form, by the field names the page really renders (so a form
whose fields the view does not read fails its test, as a user's browser would)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from werkzeug.test import Client


class _Forms(HTMLParser):
    """Every <form> on a page: its method, action and the fields a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"method": a.get("method", "get").lower(), "action": a.get("action", ""), "fields": {}}
            )
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"] if self.forms else {}
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio", "file", "submit"):
            fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            fields[a["name"]] = a.get("value", "on")
        elif tag == "select":
            self._select = a.get("name")
            fields.setdefault(self._select, "")
        elif tag == "option" and self._select:
            if fields.get(self._select) == "" or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_on(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(client: Client, path: str, action_ends: str, **values: str) -> Any:
    """Open ``path``, find the form whose action ends with ``action_ends``, fill ``values``
    into fields it really has (a value for a field it lacks is an error) and submit it."""
    html = client.get(path).get_data(as_text=True)
    found = [f for f in forms_on(html) if f["action"].split("?")[0].endswith(action_ends)]
    assert found, f"no form posting to {action_ends} on {path}"
    form = found[0]
    missing = set(values) - set(form["fields"])
    assert not missing, f"the form has no field {sorted(missing)}; it has {sorted(form['fields'])}"
    data = {**form["fields"], **values}
    if form["method"] == "get":
        sep = "&" if "?" in form["action"] else "?"
        return client.get(form["action"] + sep + urlencode(data))
    return client.post(form["action"], data=data)
