"""The one reader of C's comments and literals for code that is not parsed as C.

Most of kbridge reads C through tree-sitter (kbridge.facts.cparse, kbridge.facts.scan),
which knows comments and literals by itself. Some readers work on text instead: the
drafter walking a kernel header to the end of a definition, the scan reading a #define's
body to the end of its logical line, the layer reading a driver's designated initializers,
the bridge finding what a driver's own #if blocks discard. Each needs the same two answers
-- where does the comment or literal starting here end, and what is this text with its
comments made blank -- and before this module each had its own (a regex in the scan, a
loop in the layer, the drafter's own stepper); a "/*" inside a string literal was a comment
to one of them and not to another. This module is the answer for all of them; it is in
facts (it reads text, it decides nothing) so that both facts and actions can import it.

Literals follow C: a string or character literal ends at its closing quote or, unclosed,
at the end of its line (a backslash-newline continues it, as the preprocessor does); a block
comment left open runs to the end of the text; a line comment ends before its newline.
"""

from __future__ import annotations

from typing import AnyStr

# The lexemes, spelled as str and as bytes: the drafter reads kernel headers as bytes,
# the bridge's #if reader reads a driver's text as str; one definition serves both.
_LEX = {str: ("/*", "*/", "//", "\n", ('"', "'"), "\\"),
        bytes: (b"/*", b"*/", b"//", b"\n", (b'"', b"'"), b"\\")}


def skip_literal(src: AnyStr, i: int) -> int:
    """Index after the comment or string/char literal starting at *i* (or *i* when none
    starts there); *src* is str or bytes."""
    open_c, close_c, line_c, nl, quotes, esc = _LEX[type(src)]
    if src.startswith(open_c, i):
        j = src.find(close_c, i + 2)
        return len(src) if j < 0 else j + 2
    if src.startswith(line_c, i):
        j = src.find(nl, i)
        return len(src) if j < 0 else j
    q = src[i:i + 1]
    if q in quotes:
        j = i + 1
        while j < len(src):
            c = src[j:j + 1]
            if c == q:
                return j + 1
            if c == nl:             # unclosed: C ends it with the line (gcc's error)
                return j
            j += 2 if c == esc else 1
        return len(src)
    return i


def blank_comments(data: bytes) -> bytes:
    """*data* with each comment made spaces (its newlines kept, so lines, columns and
    offsets stay the text's); string and character literals are stepped over, not blanked,
    so a "/*" inside one is not a comment."""
    out: bytearray | None = None
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c in (0x2F, 0x22, 0x27):            # / " '
            j = skip_literal(data, i)
            if j > i:
                if c == 0x2F:
                    if out is None:
                        out = bytearray(data)
                    out[i:j] = bytes(b if b == 0x0A else 0x20 for b in data[i:j])
                i = j
                continue
        i += 1
    return data if out is None else bytes(out)
