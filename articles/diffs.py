"""Word-level differences between two versions of a text: what the History page shows
editors and what "What changed" shows readers.

Pure functions: nothing here touches the database or a cache. The comparison is
diff-match-patch's (Myers' algorithm) on words rather than characters, with its
semantic clean-up so a changed phrase reads as one removal and one addition. It
runs against a time budget: two 200,000-character bodies that share nothing come
back within it as a coarser (still correct) difference instead of holding a request
(bench/revisions.py measures it).
"""

import re
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

# Seconds diff-match-patch may search for the smallest difference before settling
# for a correct but coarser one.
TIME_BUDGET_SECONDS = 1.0
# Words, runs of spaces (a blank line is its own token: it separates paragraphs)
# and single punctuation marks.
_TOKENS = re.compile(r"\n[^\S\n]*\n\s*|\s+|\w+|[^\w\s]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_SURROGATES = range(0xD800, 0xE000)

Kind = Literal["same", "added", "removed"]


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph with its changes marked, or (`unchanged` > 0) a run of that many
    paragraphs that did not change, which a long text shows folded."""

    pieces: tuple[Piece, ...] = ()
    unchanged: int = 0


def _encode(texts: tuple[str, str]) -> tuple[list[str], list[str]]:
    """Each text as one character per token, and the token each character stands
    for: diff-match-patch then compares words as it compares characters."""
    tokens: list[str] = []
    codes: dict[str, str] = {}
    encoded = []
    for text in texts:
        chars = []
        for token in _TOKENS.findall(text):
            if token not in codes:
                number = len(tokens) + 1
                if number >= _SURROGATES.start:
                    number += len(_SURROGATES)
                codes[token] = chr(number)
                tokens.append(token)
            chars.append(codes[token])
        encoded.append("".join(chars))
    return encoded, tokens


def word_diff(old: str, new: str) -> list[Piece]:
    """The two texts as pieces kept, removed and added, word by word."""
    if old == new:
        return [Piece("same", old)] if old else []
    (old_codes, new_codes), tokens = _encode((old, new))
    matcher = diff_match_patch()
    matcher.Diff_Timeout = TIME_BUDGET_SECONDS
    diffs = matcher.diff_main(old_codes, new_codes, checklines=False)
    matcher.diff_cleanupSemantic(diffs)
    kinds: dict[int, Kind] = {0: "same", 1: "added", -1: "removed"}
    pieces = []
    for operation, codes in diffs:
        text = "".join(tokens[ord(code) - 1 - _offset(ord(code))] for code in codes)
        pieces.append(Piece(kinds[operation], text))
    return pieces


def _offset(number: int) -> int:
    return len(_SURROGATES) if number >= _SURROGATES.stop else 0


def paragraph_diff(old: str, new: str) -> list[Paragraph]:
    """A long text's differences paragraph by paragraph: changed paragraphs with
    their pieces marked, runs of unchanged paragraphs folded into a count."""
    paragraphs: list[list[Piece]] = [[]]
    for piece in word_diff(old, new):
        parts = _PARAGRAPH_BREAK.split(piece.text)
        for index, part in enumerate(parts):
            if index:
                paragraphs.append([])
            if part:
                paragraphs[-1].append(Piece(piece.kind, part))
    shown: list[Paragraph] = []
    for pieces in paragraphs:
        if not pieces:
            continue
        if all(piece.kind == "same" for piece in pieces):
            if shown and shown[-1].unchanged:
                shown[-1] = Paragraph(unchanged=shown[-1].unchanged + 1)
            else:
                shown.append(Paragraph(unchanged=1))
        else:
            shown.append(Paragraph(pieces=tuple(pieces)))
    return shown


def changed(pieces: list[Piece] | list[Paragraph]) -> bool:
    """Whether a difference holds any change at all."""
    for item in pieces:
        if isinstance(item, Paragraph):
            if not item.unchanged:
                return True
        elif item.kind != "same":
            return True
    return False
