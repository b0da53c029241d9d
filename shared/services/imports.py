"""CSV imports of interactions and survey responses (a program moving from Google Forms or Excel).

The file has the columns an export writes (:mod:`shared.services.exports`): a column left
out means no answer in every row, an unknown column is an error. Every row is checked with
the same form schema as the web forms, and the import is all or nothing: the file is read
twice, once to validate every row (keeping nothing but the problems, so a million rows need
no memory), and only when all rows are good a second time to write them in chunks.

Importing the same rows again adds nothing, because every record gets a deterministic id:
- an interaction keeps the file's ``id`` column, or else gets a UUIDv5 of its content (the
  supporter and the clean answers) and of how many identical rows came before it;
- a response gets HMAC-SHA256(secret key, survey id + its clean answers + that same
  occurrence count). It looks random and is derived from nothing about the student (no link,
  invitation or address), so it is as unlinkable as a survey link's random id. Deriving it
  from the content rather than from the file's bytes and line numbers means a re-saved file
  (other line endings or quoting) or a longer export taken later from Google Forms imports
  only the rows that are new.

The store skips ids it already holds (``add_interactions``/``add_answers``). On SQLite each
chunk is one transaction; across chunks the import is not atomic, so a crash halfway leaves
part of the file stored, and running the same import again completes it without doubles.
Each chunk of answers is written only over the survey as read just before, when it was found
to ask the blocks the rows were checked against (``Store.add_answers``), and counted on it in
the same write, so a change of blocks racing the import is refused on one side or the other.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from shared.config import Settings
from shared.errors import (
    Conflict,
    Invalid,
    UnknownSupporters,
)
from shared.forms import Form, FormInvalid, ValidationContext, load_form, validate
from shared.i18n import N_, translate, translate_plural
from shared.records import Answer, Interaction, Supporter, alias_key
from shared.services import as_read, exports
from shared.services.csv_files import CsvFile, Progress
from shared.services.import_cells import ChoiceCells
from shared.services.links import SURVEY_ID, USE_SURVEY_ID
from shared.services.supporters import clean_alias
from shared.services.surveys import DEFAULT_FORM, K10, create_survey, sections_of, today_in
from shared.store.port import AlreadyExists, NotFound, Store
from shared.text import sentence, shown

CHUNK = 500  # records per store write
MAX_LISTED = 50  # problems spelled out in the message; the rest are counted
NAMESPACE = uuid.UUID("6f1d2a3c-9b7e-5c41-8a2f-3e5d7c9b1a04")  # of imported interactions' UUIDv5 ids


@dataclass(frozen=True)
class Imported:
    """What an import did: rows read, records newly stored (the rest were there already)."""

    rows: int
    added: int
    created_supporters: tuple[str, ...] = ()
    created_survey: bool = False

    @property
    def already_there(self) -> int:
        return self.rows - self.added


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class _Problems:
    """Every bad row, by line, each once; the message lists the first ``MAX_LISTED`` rows, one a
    line, and then the problems that concern the whole file (such as unknown supporters)."""

    def __init__(self, name: str, lang: str = "en") -> None:
        self.name = name
        self.lang = lang  # every text it holds is in this language (the reader's)
        self.lines: dict[int, list[str]] = {}
        self.count = 0
        self.extra: list[str] = []
        # Text added to the last whole-file problem in the message only: how to fix it from the
        # CLI. ``errors["file"]`` leaves it out, so each caller (the console) phrases its own.
        self.cli_hint = ""
        self.unknown_supporters = False

    def add(self, line: int, text: str) -> None:
        if line in self.lines:
            self.lines[line].append(text)
            return
        self.count += 1  # each row is added once (all its problems in one text), so this counts rows
        if len(self.lines) < MAX_LISTED:
            self.lines[line] = [text]

    def joined(self, texts: list[str]) -> str:
        """Several problems of one line as one clause, each without its full stop."""
        clauses = [t.rstrip().rstrip(".") for t in texts]
        text = clauses[0]
        for then in clauses[1:]:
            text = translate(self.lang, "%(first)s; %(then)s", first=text, then=then)
        return text

    def add_invalid(self, line: int, exc: FormInvalid) -> None:
        self.add(
            line,
            self.joined(
                [
                    translate(self.lang, "%(field)s: %(problem)s", field=key, problem=" ".join(m))
                    for key, m in exc.errors.items()
                ]
            ),
        )

    def raise_if_any(self) -> None:
        if not self.count and not self.extra:
            return
        head = (
            translate_plural(
                self.lang,
                "%(name)s: nothing was imported; %(num)s row has problems:",
                "%(name)s: nothing was imported; %(num)s rows have problems:",
                self.count,
                name=self.name,
            )
            if self.count
            else translate(self.lang, "%(name)s: nothing was imported:", name=self.name)
        )
        listed = [
            translate(self.lang, "line %(line)s: %(problems)s.", line=line, problems=self.joined(texts))
            for line, texts in sorted(self.lines.items())
        ]
        if self.count > len(self.lines):
            more = self.count - len(self.lines)
            listed.append(
                translate_plural(self.lang, "... and %(num)s more row.", "... and %(num)s more rows.", more)
            )
        if self.count and self.extra:
            listed += [
                translate(self.lang, "Also: %(problem)s", problem=sentence(text)) for text in self.extra
            ]
        else:
            listed += [sentence(text) for text in self.extra]
        said = listed[:-1] + [sentence(listed[-1].rstrip(".") + self.cli_hint)] if self.cli_hint else listed
        kind = UnknownSupporters if self.unknown_supporters else Invalid
        raise kind("\n  ".join([head, *said]), errors={"file": listed})


MAX_NAMES = 10  # column names a header problem repeats back (a file's header is the caller's text)


def _names(columns: list[str]) -> str:
    """The columns, quoted and each cut short, at most :data:`MAX_NAMES` of them then "(+N)"."""
    listed = ", ".join(shown(c) for c in columns[:MAX_NAMES])
    return listed + (f" (+{len(columns) - MAX_NAMES})" if len(columns) > MAX_NAMES else "")


def _header(
    cells: list[str],
    allowed: list[str],
    required: tuple[str, ...],
    file: CsvFile,
    line: int,
    hint: str = "",
) -> list[str]:
    """The header's column names ("" for a column with no name, as Excel's used range leaves
    after the data), or :class:`Invalid` naming each wrong one and the expected ones, in the
    file's reader's language; ``hint``, a sentence more about the header, said last."""
    lang = file.lang
    header = [c.strip() for c in cells]
    named = [c for c in header if c]
    problems = []
    unknown = [c for c in named if c not in allowed]
    if unknown:
        problems.append(
            translate_plural(
                lang,
                "unknown column %(names)s",
                "unknown columns %(names)s",
                len(unknown),
                names=_names(unknown),
            )
        )
    twice = sorted(c for c, n in Counter(named).items() if n > 1)
    if twice:
        problems.append(
            translate_plural(
                lang,
                "column %(names)s appears twice",
                "columns %(names)s appear twice",
                len(twice),
                names=_names(twice),
            )
        )
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(
            translate_plural(
                lang,
                "missing column %(names)s",
                "missing columns %(names)s",
                len(missing),
                names=_names(missing),
            )
        )
    if problems:
        said = problems[0]
        for then in problems[1:]:
            said = translate(lang, "%(first)s; %(then)s", first=said, then=then)
        params = {
            "name": file.name,
            "line": line,
            "problems": said,
            "columns": ", ".join(allowed),
            "required": ", ".join(required),
            "hint": f"\n  {hint}" if hint else "",
        }
        raise Invalid(BAD_HEADER[bool(required)], params=params, errors={"header": problems})
    return header


BAD_HEADER = {
    False: N_(
        "%(name)s: the header (line %(line)s) has %(problems)s; nothing was imported.\n"
        "  Expected columns: %(columns)s%(hint)s"
    ),
    True: N_(
        "%(name)s: the header (line %(line)s) has %(problems)s; nothing was imported.\n"
        "  Expected columns (%(required)s required): %(columns)s%(hint)s"
    ),
}


def _column_letter(index: int) -> str:
    """A spreadsheet's name for the column at ``index`` (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _rows(
    file: CsvFile,
    read_header: Callable[[list[str], int], list[str]],
    problems: _Problems,
    progress: Progress | None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows as {column: cell}, with formula protection removed.

    What spreadsheets leave around the data is not a problem: rows of blank cells (below the
    data), columns with no name whose cells are all blank (Excel's used range), and missing
    trailing cells (Excel leaves off the delimiters of empty last cells), which read as blank.
    A row with more cells than the header is a problem, since its cells may have shifted into
    the wrong columns, and so is a value under a column with no name.
    """
    records = file.records(progress)
    first = next(records, None)
    if first is None:
        raise Invalid(
            N_("%(name)s is empty: it needs a header line; nothing was imported."), params={"name": file.name}
        )
    header = read_header(first[1], first[0])
    named = [(i, c) for i, c in enumerate(header) if c]
    unnamed = [i for i, c in enumerate(header) if not c]
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.add(
                line,
                translate(
                    problems.lang,
                    "has %(cells)s cells where the header has %(columns)s columns.",
                    cells=len(cells),
                    columns=len(header),
                ),
            )
            continue
        stray = [i for i in unnamed if i < len(cells) and cells[i].strip()]
        if stray:
            where = ", ".join(_column_letter(i) for i in stray)
            problems.add(
                line,
                translate(
                    problems.lang,
                    "has a value in column %(column)s, which has no name in the header.",
                    column=where,
                ),
            )
            continue
        yield line, {c: exports.unprotect(cells[i]) if i < len(cells) else "" for i, c in named}


def _chunks(records: Iterator[Any]) -> Iterator[list[Any]]:
    while chunk := list(itertools.islice(records, CHUNK)):
        yield chunk


# -- interactions ----------------------------------------------------------------------


def _interaction_id(cell: str) -> str:
    """The id column as a canonical UUID (what the log form's submission ids are)."""
    if len(cell) > 64:
        raise ValueError(cell)
    return str(uuid.UUID(cell))


class _InteractionRows:
    """Turns rows into interactions the same way on both passes (the ids are deterministic)."""

    def __init__(self, form: Form, context: ValidationContext) -> None:
        self.form = form
        self.context = context
        self.cells = ChoiceCells(form)
        self.seen: Counter[bytes] = Counter()

    def read(self, row: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
        """(id, alias, clean answers); ValueError for a bad id, FormInvalid for bad answers."""
        alias = row[exports.SUPPORTER_COLUMN].strip()
        if not alias:
            missing = translate(self.context.lang, "the supporter's alias is missing.")
            raise FormInvalid({exports.SUPPORTER_COLUMN: [missing]})
        answers = {k: v for k, v in row.items() if k not in (exports.ID_COLUMN, exports.SUPPORTER_COLUMN)}
        clean = validate(self.form, self.form.from_row(self.cells.codes(answers)), self.context)
        if row.get(exports.ID_COLUMN, "").strip():
            return _interaction_id(row[exports.ID_COLUMN].strip()), alias, clean
        content = _canonical([alias, clean])
        digest = hashlib.sha256(content).digest()
        self.seen[digest] += 1
        return str(uuid.uuid5(NAMESPACE, f"{self.seen[digest]}:{content.decode()}")), alias, clean


def import_interactions(
    store: Store,
    settings: Settings,
    source: bytes | str | Path,
    *,
    name: str | None = None,
    create_supporters: bool = False,
    progress: Progress | None = None,
    check_only: bool = False,
    lang: str = "en",
    writing: Callable[[], None] | None = None,
) -> Imported:
    """Import a CSV of interactions, all or nothing; :class:`Invalid` lists every bad row, in
    ``lang`` (the console's reader's language; the CLI's English).

    The ``supporter`` column holds aliases. An alias with no supporter is an error listing
    them all, unless ``create_supporters``, which adds them (without an email; give them a
    link later with ``sidebyside supporters relink``). ``writing`` is called once every row
    is checked, before the first write: a failure after it may have stored part of the file
    (the CLI's audit trail records the command from there).
    """
    file = CsvFile(source, name, lang)
    form = exports.log_form()
    allowed = exports.interaction_columns(form)
    context = ValidationContext(lang=lang, today=today_in(settings), min_date=settings.program_start)
    # Aliases are matched as they are unique: "alice" in a row is the supporter "Alice".
    known = {alias_key(s.alias): s.id for s in store.list_supporters()}
    spelled: dict[str, str] = {}  # alias key -> the first spelling of a missing alias

    def read_header(cells: list[str], line: int) -> list[str]:
        return _header(cells, allowed, (exports.SUPPORTER_COLUMN,), file, line)

    # Pass 1: validate everything, keep only the problems (and the few unknown aliases).
    problems = _Problems(file.name, lang)
    unknown: dict[str, list[int]] = {}
    ids: dict[str, int] = {}
    rows = 0
    converter = _InteractionRows(form, context)
    for line, row in _rows(file, read_header, problems, progress):
        rows += 1
        try:
            record_id, alias, _ = converter.read(row)
        except FormInvalid as exc:
            problems.add_invalid(line, exc)
            continue
        except ValueError:
            problems.add(
                line,
                translate(
                    problems.lang,
                    "id: %(value)s is not a UUID (or leave the cell empty).",
                    value=repr(row[exports.ID_COLUMN][:70]),
                ),
            )
            continue
        if record_id in ids:
            problems.add(
                line,
                translate(
                    problems.lang, "id: %(id)s is also on line %(line)s.", id=record_id, line=ids[record_id]
                ),
            )
            continue
        ids[record_id] = line
        if alias_key(alias) not in known:
            unknown.setdefault(spelled.setdefault(alias_key(alias), alias), []).append(line)
    del ids  # up to a million of them; pass 2 does not need them
    if unknown and create_supporters:
        _check_aliases(unknown, problems)
    elif unknown:
        listed = sorted(unknown.items())[:MAX_LISTED]
        aliases = ", ".join(
            translate_plural(
                lang,
                "%(alias)s (line %(lines)s)",
                "%(alias)s (lines %(lines)s)",
                len(n),
                alias=repr(a),
                lines=_some(n, lang),
            )
            for a, n in listed
        )
        if len(unknown) > len(listed):
            aliases = translate(
                problems.lang, "%(listed)s and %(more)s more", listed=aliases, more=len(unknown) - len(listed)
            )
        problems.extra.append(
            translate(problems.lang, "no supporter has the alias %(aliases)s", aliases=aliases)
        )
        problems.unknown_supporters = True
        problems.cli_hint = (
            "; add them first (sidebyside supporters add ALIAS) or import with --create-supporters"
        )
    problems.raise_if_any()
    if check_only:  # the console's preview: every row checked, nothing stored
        return Imported(rows=rows, added=0)
    if writing is not None:
        writing()

    created = _create_supporters(store, settings, sorted(unknown), known) if unknown else ()

    # Pass 2: every row is good; convert them again (same ids) and store them in chunks.
    converter = _InteractionRows(form, context)

    def interactions() -> Iterator[Interaction]:
        for _, row in _rows(file, read_header, _Problems(file.name, lang), progress):
            record_id, alias, clean = converter.read(row)
            occurred_on = date.fromisoformat(clean[exports.DATE_FIELD])
            yield Interaction(
                id=record_id,
                supporter_id=known[alias_key(alias)],
                occurred_on=occurred_on,
                answers=clean,
                # When it was first logged is not known; noon of its day keeps a re-import
                # identical and the supporter's "latest interaction" meaningful.
                created_at=datetime.combine(occurred_on, time(12), settings.timezone),
            )

    added = sum(store.add_interactions(chunk) for chunk in _chunks(interactions()))
    return Imported(rows=rows, added=added, created_supporters=created)


def _some(lines: list[int], lang: str, most: int = 5) -> str:
    shown = ", ".join(map(str, lines[:most]))
    if len(lines) <= most:
        return shown
    return translate(lang, "%(listed)s and %(more)s more", listed=shown, more=len(lines) - most)


def _check_aliases(unknown: dict[str, list[int]], problems: _Problems) -> None:
    for alias, lines in unknown.items():
        try:
            clean_alias(alias)
        except Invalid as exc:
            why = translate(problems.lang, exc.msgid, **(exc.params or {}))
            for line in lines:
                said = translate(
                    problems.lang,
                    "supporter: %(alias)s cannot be an alias. %(problem)s",
                    alias=repr(alias[:60]),
                    problem=why,
                )
                problems.add(line, said)


def _create_supporters(
    store: Store, settings: Settings, aliases: list[str], known: dict[str, str]
) -> tuple[str, ...]:
    """Add the missing supporters (``known`` gains their ids); another import racing us is fine."""
    today = today_in(settings)
    for alias in aliases:
        supporter = Supporter(id=uuid.uuid4().hex, alias=alias, email=None, created_on=today)
        try:
            store.add_supporter(supporter)
            known[alias_key(alias)] = supporter.id
        except AlreadyExists:
            found = store.find_supporter(alias)
            if found is None:
                raise
            known[alias_key(alias)] = found.id
    return tuple(aliases)


# -- survey responses ------------------------------------------------------------------


def response_id(secret_key: str, survey_id: str, clean: dict[str, Any], occurrence: int) -> str:
    message = _canonical([survey_id, occurrence, clean])
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def import_responses(
    store: Store,
    settings: Settings,
    source: bytes | str | Path,
    survey_id: str,
    *,
    name: str | None = None,
    progress: Progress | None = None,
    check_only: bool = False,
    lang: str = "en",
    writing: Callable[[], None] | None = None,
) -> Imported:
    """Import a CSV of survey responses into ``survey_id``, all or nothing; problems in ``lang``
    (``writing`` as for :func:`import_interactions`).

    A survey that does not exist yet is created with the default form, with each optional
    block (K10, PHQ-9, ...) on when the file has any of its columns. Each response gets today's day (the file's rows
    carry none; see :func:`shared.services.exports.export_responses`).

    Create or use, never both: when someone creates the survey between this import's read and
    its own create, the file is checked again against that survey's form and blocks, and a
    column of a block it does not ask is refused like any unknown column. Every chunk is written
    only while the survey still asks the blocks its rows were checked against.
    """
    if not SURVEY_ID.fullmatch(survey_id):
        raise Invalid(
            N_(
                "%(survey)r cannot be a survey id: use 1 to 40 lowercase letters, digits, '-' or '_', not both starting and ending with '__'."
            ),
            params={"survey": survey_id},
            errors={"survey": [USE_SURVEY_ID]},
        )
    for _ in range(2):  # None: someone created the survey meanwhile; check the file against it
        done = _import_responses(
            store, settings, source, survey_id, name, progress, check_only, lang, writing
        )
        if done is not None:
            return done
    raise _kept_changing(survey_id)


def _kept_changing(survey_id: str) -> Conflict:
    return Conflict(
        N_("Survey %(survey)s kept changing during the import; try again."),
        params={"survey": shown(survey_id)},
        code="survey_changed",
    )


def _import_responses(
    store: Store,
    settings: Settings,
    source: bytes | str | Path,
    survey_id: str,
    name: str | None,
    progress: Progress | None,
    check_only: bool,
    lang: str,
    writing: Callable[[], None] | None = None,
) -> Imported | None:
    file = CsvFile(source, name, lang)
    survey = store.get_survey(survey_id)
    form = load_form(survey.form if survey else DEFAULT_FORM)
    k10_columns = set(form.columns({K10})) - set(form.columns())
    present = set(file.header())
    if survey is not None:
        sections = sections_of(survey)
    else:  # the new survey asks each block the file has answers to
        base = set(form.columns())
        sections = frozenset(b for b in form.blocks() if (set(form.columns({b})) - base) & present)
    allowed = [*form.columns(sections), exports.SUBMITTED_COLUMN]  # the marker is optional
    # Validation fills in a matrix left blank as "nothing checked": on the web form an unchecked
    # box is an answer. In a file, a row with none of the matrix's cells filled never answered it.
    matrices = [f.id for f in form.fields(sections) if f.type == "matrix"]

    def read_header(cells: list[str], line: int) -> list[str]:
        hint = ""
        if survey is not None and not survey.k10 and k10_columns & present:
            hint = translate(
                lang,
                "Survey %(survey)s was run without the K10 questions, so K10 columns do not belong.",
                survey=repr(survey_id),
            )
        return _header(cells, allowed, (), file, line, hint)

    today = today_in(settings)

    def answers(problems: _Problems) -> Iterator[Answer]:
        context = ValidationContext(
            lang=lang, today=today, min_date=settings.program_start, sections=sections
        )
        seen: Counter[bytes] = Counter()
        cells = ChoiceCells(form, sections)
        for line, row in _rows(file, read_header, problems, progress):
            if row.pop(exports.SUBMITTED_COLUMN, "1").strip() not in ("1", ""):
                problems.add(
                    line,
                    translate(
                        problems.lang,
                        "has %(column)s other than 1 or blank.",
                        column=repr(exports.SUBMITTED_COLUMN),
                    ),
                )
                continue
            try:
                data = form.from_row(cells.codes(row))
                clean = validate(form, data, context)
            except FormInvalid as exc:
                problems.add_invalid(line, exc)
                continue
            for field_id in matrices:
                if field_id not in data:
                    del clean[field_id]
            key = hashlib.sha256(_canonical(clean)).digest()
            seen[key] += 1
            yield Answer(
                response_id(settings.secret_key, survey_id, clean, seen[key]), survey_id, today, clean
            )

    problems = _Problems(file.name, lang)
    rows = sum(1 for _ in answers(problems))  # pass 1: validate only
    problems.raise_if_any()
    if check_only:
        return Imported(rows=rows, added=0)
    if writing is not None:
        writing()

    created = False
    if survey is None:
        try:
            create_survey(store, survey_id, blocks=sorted(sections), today=today)
            created = True
        except Conflict:  # created a moment ago by someone else: its form and blocks stand
            return None
    added = 0
    for chunk in _chunks(answers(_Problems(file.name, lang))):
        for _ in range(as_read.TRIES):  # a chunk's conditional write racing other changes
            now = store.get_survey(survey_id)
            if now is None or now.form != form.id or not sections <= sections_of(now):
                raise Conflict(
                    N_(
                        "Survey %(survey)r changed while its answers were being imported (its form or blocks); %(added)s of %(rows)s rows were stored. Import the file again: rows already stored are not added twice."
                    ),
                    params={"survey": survey_id, "added": added, "rows": rows},
                    code="survey_changed",
                )
            try:  # written only over the survey as just checked (its form and blocks)
                added += store.add_answers(now, chunk)
                break
            except NotFound:  # it changed since (links issued, closed, blocks): check it again
                continue
        else:
            raise _kept_changing(survey_id)
    return Imported(rows=rows, added=added, created_survey=created)
