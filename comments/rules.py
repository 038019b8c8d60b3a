"""Text rules for automatic moderation: Unicode folding, word lists, links.

Rules may only hold or reject a comment, never approve it (comments/services.py).
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Look-alike letters from other scripts, folded to the Latin letter they imitate
# (after casefold). A short list of the common ones, not the full Unicode table.
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h",
        "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i",
        "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
        # Latin look-alikes outside ASCII
        "ı": "i", "ɡ": "g", "ℓ": "l",
    }
)  # fmt: skip
# What may stand between the words of a listed phrase: any run of whitespace and
# joining punctuation, so "bad word" also catches "bad  word", "bad-word",
# "bad_word", "bad.word", "bad/word" (dashes of every kind, after folding).
SEPARATOR = r"(?:[\s\-\u2010-\u2015\u2212._/\\|~+*:·•'’]|_)+"
LINK = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+", re.IGNORECASE)
MAX_LINKS = 2


def strip_invisible(text: str) -> str:
    """Remove format characters (Unicode category Cf): zero-width spaces and
    joiners, the soft hyphen, bidi controls, the BOM."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def is_blank(text: str) -> bool:
    """True for text with nothing visible: whitespace of any script, invisible
    characters ("\\u200b" * 10, NBSP, U+3000...)."""
    return not strip_invisible(text).strip()


def fold(text: str) -> str:
    """The form word lists are matched in: invisible characters dropped, NFKC
    (fullwidth and styled letters become plain), accents dropped, casefolded,
    common Cyrillic/Greek look-alikes mapped to Latin."""
    text = unicodedata.normalize("NFKD", strip_invisible(text))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return unicodedata.normalize("NFKC", text).casefold().translate(CONFUSABLES)


def word_pattern(words: Iterable[str]) -> re.Pattern | None:
    """One regex matching any of `words` as whole words: "ass" matches "ass!"
    but never "classic" or "Massachusetts"."""
    return _word_pattern(frozenset(words))


@lru_cache(maxsize=32)
def _word_pattern(words: frozenset[str]) -> re.Pattern | None:
    # Memoised per word list: every post would otherwise fold and compile it anew.
    phrases = {_phrase(fold(word)) for word in words} - {""}
    if not phrases:
        return None
    alternatives = "|".join(sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _phrase(folded: str) -> str:
    """A listed word or phrase as a regex: its words in order, with any run of
    separators between them (a moderator may list "bad word" or "bad-word").
    Punctuation at either end stays literal ("c++" is not "c")."""
    words = re.split(rf"(?<=\w){SEPARATOR}(?=\w)", folded.strip())
    return SEPARATOR.join(re.escape(word) for word in words)


def find_word(pattern: re.Pattern | None, *texts: str) -> str | None:
    """The first listed word found in any of `texts`, folded, or None."""
    if pattern is None:
        return None
    for text in texts:
        if match := pattern.search(fold(text)):
            return match.group(0)
    return None


def count_links(*texts: str) -> int:
    return sum(len(LINK.findall(fold(text))) for text in texts)


def same_name(name: str, reserved: Iterable[str]) -> bool:
    """The commenter's name is (a look-alike of) a reserved one, ignoring spacing."""
    return _squeezed(name) in {_squeezed(other) for other in reserved}


@lru_cache(maxsize=1024)
def _squeezed(name: str) -> str:
    # Memoised: the reserved names (site, every byline) are the same on every post.
    return "".join(fold(name).split())
