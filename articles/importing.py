"""Read the plain-text story format into a `ParsedStory`; pure functions, no database.

The format (docs/editors.md has the full description)::

    Headline line [(UPDATED)]
    By Author One[, Author Two and Author Three]     one or more lines; repeats ignored
    Paragraphs separated by blank lines ...
    Clarification: text   or   Correction: July 16, 2025 — text
    Topics: Topic A, Topic B
    anything after the Topics line is page furniture and is ignored

Every change made to the text on the way in is recorded as a `Repair` so the import
command can print it: removed byte-order mark, line endings, mojibake fixed by ftfy,
non-breaking spaces, and the "??" left behind where a character was lost in a bad
encoding round trip (see `remove_question_mark_artifacts` for the rule).
"""

import codecs
import difflib
import re
from dataclasses import dataclass, replace
from datetime import date

import ftfy
from django.core.exceptions import ValidationError

from articles.models import Author, Clarification, Story, Topic, validate_body_length
from articles.rendering import plain_headline

# ftfy only repairs encoding damage here: quotes stay curly, ligatures, widths and
# Unicode normalisation are left as typed, HTML entities are text, and control
# characters are ours to judge (its list includes the tags inside flag emoji).
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
NON_BREAKING_SPACES = "\u00a0\u202f\u2007"  # no-break, narrow no-break, figure space
ALLOWED_CONTROLS = {"\t", "\n"}

HEADLINE_MAX = Story._meta.get_field("headline").max_length
AUTHOR_NAME_MAX = Author._meta.get_field("name").max_length
TOPIC_NAME_MAX = Topic._meta.get_field("name").max_length

BYLINE = re.compile(r"^By\s+(?P<names>\S.*)$")
NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+")
NOTE = re.compile(r"^(?P<kind>Clarification|Correction)\s*:\s*(?P<rest>.*)$", re.S)
TOPICS = re.compile(r"^Topics\s*:(?P<names>.*)$", re.IGNORECASE)
NOTE_DATE = re.compile(
    r"^(?:(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))"
    r"\s*(?:—|–|--?|:|\.)\s*(?P<text>\S.*)$",
    re.S,
)
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
QUESTION_MARKS = re.compile(r"\?+")
# Punctuation after which a question mark never belongs in English prose.
CLAUSE_END = ".,;:"


class StoryFormatError(ValueError):
    """The file can't be read as a story; the message says why, in editor words."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Repair:
    line: int | None  # None: the whole file
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}" if self.line else self.what


@dataclass(frozen=True)
class ParsedNote:
    kind: str  # a Clarification.Kind value
    text: str
    dated: date | None  # None: the story's publication time
    line: int


@dataclass(frozen=True)
class ParsedStory:
    headline: str
    authors: tuple[str, ...]
    body: str  # Markdown: paragraphs separated by one blank line
    notes: tuple[ParsedNote, ...]
    topics: tuple[str, ...]
    repairs: tuple[Repair, ...]


def parse_story_file(data: bytes) -> ParsedStory:
    """Decode the bytes of a story file and parse them (see the module docstring)."""
    text, repairs = decode_story_bytes(data)
    story = parse_story_text(text)
    return replace(story, repairs=(*repairs, *story.repairs))


def decode_story_bytes(data: bytes) -> tuple[str, list[Repair]]:
    """UTF-8 (with or without a byte-order mark) or UTF-16 with one; LF line endings."""
    repairs = []
    if not data.strip():
        raise StoryFormatError("the file is empty.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        repairs.append(Repair(None, "read as UTF-16 (it starts with a UTF-16 mark)"))
    else:
        encoding = "utf-8"
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
            repairs.append(Repair(1, "removed the byte-order mark (BOM)"))
        if b"\x00" in data:
            raise StoryFormatError(
                "this looks like a binary file (it contains NUL bytes), not a text "
                "story.",
                line=data[: data.index(b"\x00")].count(b"\n") + 1,
            )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise StoryFormatError(
            f"the file is not {encoding.upper()} text (byte 0x{data[error.start]:02x} "
            "can't be decoded). Save it as UTF-8 and import it again.",
            line=line,
        ) from None
    if encoding == "utf-16":
        text = text.removeprefix("\ufeff")
    if "\r" in text:
        what = "CRLF (Windows)" if "\r\n" in text else "CR (old Mac)"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        repairs.append(Repair(None, f"converted {what} line endings to LF"))
    for number, line in enumerate(text.split("\n"), start=1):
        bad = [c for c in line if c < " " and c not in ALLOWED_CONTROLS]
        if bad:
            raise StoryFormatError(
                f"control character U+{ord(bad[0]):04X} found: this looks like a "
                "binary file, not a text story.",
                line=number,
            )
    return text, repairs


def parse_story_text(text: str) -> ParsedStory:
    """Parse decoded text (LF line endings). Raises StoryFormatError on bad input."""
    repairs: list[Repair] = []
    lines = [
        clean_line(line, number, repairs)
        for number, line in enumerate(text.split("\n"), start=1)
    ]
    numbered = list(enumerate(lines, start=1))
    position = _skip_blank(numbered, 0)
    if position == len(numbered):
        raise StoryFormatError("the file has no text, only blank lines.")

    headline_line, headline = numbered[position]
    headline = _headline(headline, headline_line, repairs)
    position += 1

    authors: list[str] = []
    seen_authors: set[str] = set()
    while True:
        position = _skip_blank(numbered, position)
        if position == len(numbered):
            break
        number, line = numbered[position]
        names = _byline_names(line, number)
        if names is None:
            break
        for name in names:
            key = _name_key(name)
            if key in seen_authors:
                repairs.append(Repair(number, f"ignored repeated byline “{name}”"))
                continue
            seen_authors.add(key)
            authors.append(name)
        position += 1

    paragraphs, topics, furniture = _paragraphs(numbered[position:])
    body: list[str] = []
    notes: list[ParsedNote] = []
    for number, paragraph in paragraphs:
        note = NOTE.match(paragraph)
        if note:
            notes.append(_note(note, number))
        else:
            body.append(paragraph)
    if not body:
        raise StoryFormatError(
            "the story has no body: after the headline and byline there must be at "
            "least one paragraph.",
            line=numbered[position][0] if position < len(numbered) else headline_line,
        )
    body_text = "\n\n".join(body)
    try:
        validate_body_length(body_text)
    except ValidationError as error:
        raise StoryFormatError(error.messages[0].rstrip(".") + ".") from None
    if furniture:
        first, last = furniture
        repairs.append(
            Repair(
                first, f"ignored page furniture after the Topics line (to line {last})"
            )
        )
    return ParsedStory(
        headline=headline,
        authors=tuple(authors),
        body=body_text,
        notes=tuple(notes),
        topics=topics,
        repairs=tuple(sorted(repairs, key=lambda repair: repair.line or 0)),
    )


def clean_line(line: str, number: int, repairs: list[Repair]) -> str:
    """Repair one line: mojibake, stray BOMs, non-breaking spaces, "??" artifacts."""
    fixed = ftfy.fix_text(line, FTFY_CONFIG)
    if fixed != line:
        repairs.append(Repair(number, f"repaired mojibake: {_describe(line, fixed)}"))
        line = fixed
    if "\ufeff" in line:
        line = line.replace("\ufeff", "")
        repairs.append(Repair(number, "removed a stray byte-order mark (U+FEFF)"))
    spaces = sum(line.count(c) for c in NON_BREAKING_SPACES)
    if spaces:
        line = line.translate({ord(c): " " for c in NON_BREAKING_SPACES})
        repairs.append(
            Repair(number, f"replaced {spaces} non-breaking space(s) with spaces")
        )
    line, removed, kept = remove_question_mark_artifacts(line)
    for run, context in removed:
        repairs.append(
            Repair(number, f"removed “{run}” (encoding artifact) after “{context}”")
        )
    for run, context in kept:
        repairs.append(
            Repair(number, f"kept “{run}” after “{context}”: it reads as text")
        )
    # Trailing spaces would be a Markdown hard break; runs of spaces inside a line
    # are leftovers of the repairs above. Leading indentation is the editor's.
    indent = line[: len(line) - len(line.lstrip(" "))]
    return indent + re.sub(r"[ \t]{2,}", " ", line.strip(" \t")).rstrip()


def remove_question_mark_artifacts(
    line: str,
) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """Drop runs of "?" that are encoding artifacts; keep those that are text.

    The rule: a run of one or more "?" is an artifact when it is followed by
    whitespace or the end of the line AND the nearest character before it (spaces
    skipped) is ".", ",", ";" or ":" (but not an ellipsis "..."), or nothing at all.
    A question mark never follows those in prose; a lost character often leaves
    one there ("tank.??", "allies.  ??", "he said. ?"). Runs after a word, a quote,
    "!", "…" or inside a word ("Really??", "“Why?”", "Caf??") are kept.

    Returns the line, then (run, text before it) for each removed run and for each
    kept run of two or more (worth a look by the editor).
    """
    removed: list[tuple[str, str]] = []
    kept: list[tuple[str, str]] = []
    pieces: list[str] = []
    cursor = 0
    for match in QUESTION_MARKS.finditer(line):
        before = line[: match.start()].rstrip()
        after = line[match.end() : match.end() + 1]
        artifact = (not after or after.isspace()) and (
            not before or (before[-1] in CLAUSE_END and not before.endswith("..."))
        )
        context = _tail(before) or "the start of the line"
        if artifact:
            pieces.append(line[cursor : match.start()])
            cursor = match.end()
            removed.append((match.group(), context))
        elif len(match.group()) > 1:
            kept.append((match.group(), context))
    pieces.append(line[cursor:])
    return "".join(pieces), removed, kept


def _tail(text: str, width: int = 25) -> str:
    """The last few whole words of `text`, to show where a repair happened."""
    if len(text) <= width:
        return text.lstrip()
    return "…" + text[-width:].split(" ", 1)[-1]


def _describe(before: str, after: str) -> str:
    changes = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changes.append(f"“{before[i1:i2]}” → “{after[j1:j2]}”")
    shown = ", ".join(changes[:3])
    return shown + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")


def _skip_blank(numbered: list[tuple[int, str]], position: int) -> int:
    while position < len(numbered) and not numbered[position][1].strip():
        position += 1
    return position


def _headline(line: str, number: int, repairs: list[Repair]) -> str:
    headline = line.strip()
    for pattern, what in (
        (BYLINE, "a byline"),
        (TOPICS, "the Topics line"),
        (NOTE, "a clarification"),
    ):
        if pattern.match(headline):
            raise StoryFormatError(
                f"expected the headline on the first line, found {what}.", line=number
            )
    stripped = plain_headline(headline)
    if stripped != headline:
        repairs.append(
            Repair(
                number,
                "removed “(UPDATED)” from the headline: the site adds it when a "
                "clarification is published",
            )
        )
        headline = stripped
    if not headline:
        raise StoryFormatError("the headline is empty.", line=number)
    if len(headline) > HEADLINE_MAX:
        raise StoryFormatError(
            f"the headline has {len(headline)} characters; the limit is "
            f"{HEADLINE_MAX}.",
            line=number,
        )
    return headline


def _byline_names(line: str, number: int) -> list[str] | None:
    """The names on a byline line, or None when the line is not a byline.

    A line that ends like a sentence ("By 2030, most cars will be electric.") is
    the first paragraph, not a byline.
    """
    match = BYLINE.match(line.strip())
    if not match or match.group("names").rstrip()[-1] in ".!?":
        return None
    names = [" ".join(n.split()) for n in NAME_SEPARATOR.split(match["names"])]
    names = [n for n in names if n]
    for name in names:
        if len(name) > AUTHOR_NAME_MAX:
            raise StoryFormatError(
                f"the author name “{name[:40]}…” is longer than {AUTHOR_NAME_MAX} "
                "characters; is this line really a byline?",
                line=number,
            )
    return names


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _paragraphs(
    numbered: list[tuple[int, str]],
) -> tuple[list[tuple[int, str]], tuple[str, ...], tuple[int, int] | None]:
    """Body paragraphs (first line number, text), the topics, furniture line range."""
    paragraphs: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    topics: tuple[str, ...] = ()
    furniture = None
    for index, (number, line) in enumerate(numbered):
        if not line.strip():
            if current:
                paragraphs.append((start, "\n".join(current)))
                current = []
            continue
        topics_match = TOPICS.match(line.strip()) if not current else None
        if topics_match:
            topics = _topic_names(topics_match["names"], number)
            rest = [n for n, text in numbered[index + 1 :] if text.strip()]
            if rest:
                furniture = (rest[0], rest[-1])
            break
        if not current:
            start = number
        current.append(line)
    else:
        if current:
            paragraphs.append((start, "\n".join(current)))
    return paragraphs, topics, furniture


def _topic_names(names: str, number: int) -> tuple[str, ...]:
    topics: list[str] = []
    seen: set[str] = set()
    for raw in names.split(","):
        name = " ".join(raw.split())
        if not name or _name_key(name) in seen:
            continue
        if len(name) > TOPIC_NAME_MAX:
            raise StoryFormatError(
                f"the topic “{name[:40]}…” is longer than {TOPIC_NAME_MAX} characters.",
                line=number,
            )
        seen.add(_name_key(name))
        topics.append(name)
    return tuple(topics)


def _note(match: re.Match, number: int) -> ParsedNote:
    kind = Clarification.Kind(match["kind"].lower())
    rest = match["rest"].strip()
    dated = None
    prefix = NOTE_DATE.match(rest)
    if prefix and (prefix["iso"] or prefix["month"].lower() in MONTHS):
        dated = _note_date(prefix, number)
        rest = prefix["text"].strip()
    if not rest:
        raise StoryFormatError(f"the {kind.label.lower()} has no text.", line=number)
    return ParsedNote(kind=kind.value, text=rest, dated=dated, line=number)


def _note_date(prefix: re.Match, number: int) -> date:
    try:
        if prefix["iso"]:
            return date.fromisoformat(prefix["iso"])
        month = MONTHS[prefix["month"].lower()]
        return date(int(prefix["year"]), month, int(prefix["day"]))
    except ValueError:
        shown = prefix["iso"] or f"{prefix['month']} {prefix['day']}, {prefix['year']}"
        raise StoryFormatError(f"“{shown}” is not a real date.", line=number) from None
