"""Plain text from the bytes of files nobody checked: old papers come in Latin-1 or Windows
code pages as often as in UTF-8, and damaged ones carry control characters.

UTF-8 is tried first; anything else is decoded in the encoding charset-normalizer detects,
with Windows-1252 preferred among equally good guesses (the usual encoding of an English or
Western European paper that is not UTF-8). The caller is told which encoding was used, since a
short text can be guessed wrong.
"""

from __future__ import annotations

import re

ADVICE = "convert it to UTF-8 first, e.g. `iconv -f latin1 -t utf-8 FILE > NEW`"

# C0 and C1 control characters and DEL, except tab and line breaks. They drive terminals
# (escape codes), make XML invalid and end up inside entity text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def detect_encoding(data: bytes) -> str | None:
    """The encoding charset-normalizer finds most plausible for `data`, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    # A short text with a few accented letters fits many code pages equally well, and the
    # language guess that ranks them is noise there (cp775 reads "Müller" as "M³ller" and
    # may rank first): Windows-1252 is taken whenever it reads the text as cleanly as the
    # best guess (it is not among the guesses when it reads as cleanly as cp1250).
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= best.chaos:
        return "cp1252"
    return best.encoding


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of `data`: UTF-8 (a byte order mark dropped), else the detected
    encoding. Raises `ValueError` saying how to convert the file when none is found."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = detect_encoding(data)
    if encoding is None:
        raise ValueError(f"not UTF-8, and no other encoding fits: {ADVICE}")
    return data.decode(encoding), encoding


def without_controls(text: str) -> str:
    """`text` with every control character except tab and line breaks replaced by a space:
    offsets into the text stay the same, and no entity, sentence or name carries one."""
    return _CONTROL.sub(" ", text)
