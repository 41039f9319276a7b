"""kbridge.facts.clex: the one reader of comments and literals for text not parsed as C
(the drafter, the scan's #define bodies, the layer's initializers, the bridge's #if reader).

Before it, each had its own: the scan blanked comments with a regex that did not know string
literals, and the stepper the others shared ran an unclosed character literal -- the
apostrophe of `#error don't ...` in a kernel header -- to the next apostrophe anywhere in
the text, hiding every comment in between. The two marked tests failed on fc15af0."""

from kbridge.facts.clex import blank_comments, skip_literal
from kbridge.facts.scan import file_names


def test_comments_are_blanked_and_literals_kept():
    src = b'#define S "/* not a comment */" x /* one */\nint a; // two\nint b;\n'
    out = blank_comments(src)
    assert len(out) == len(src) and out.count(b"\n") == src.count(b"\n")
    assert b'"/* not a comment */"' in out
    assert b"one" not in out and b"two" not in out and b"int b;" in out


def test_an_unclosed_block_comment_runs_to_the_end():
    assert blank_comments(b"a /* open\nb") == b"a        \n "


def test_an_unclosed_char_literal_ends_with_its_line():
    """Failed on fc15af0 (the stepper ran `'` to the end of the text)."""
    src = b"#error don't use this\nint a; /* c */\n"
    assert blank_comments(src) == b"#error don't use this\nint a;        \n"
    assert skip_literal(src, src.index(b"'")) == src.index(b"\n")


def test_a_backslash_newline_continues_a_literal():
    src = '"a\\\nb" /* c */'
    assert skip_literal(src, 0) == src.index(" ")
    assert skip_literal("x", 0) == 0 and skip_literal("// c\nx", 0) == 4


def test_a_comment_opener_inside_a_string_of_a_macro_body_is_not_a_comment():
    """A #define body is read to the end of its logical line with its comments blanked
    (scan.define_bodies); a "/*" inside a string there was taken for a comment opener and
    the rest of the body blanked: `.ack_interrupt` was not a designator. Failed on fc15af0."""
    src = (b'#define KB_DRV(_id)\t\\\n\t{ .name = "kb /* phy",\t\\\n'
           b"\t  .phy_id = _id,\t\\\n\t  .ack_interrupt = kb_ack, }\n"
           b"static struct phy_driver d[] = { KB_DRV(1) };\n")
    names = file_names(src)
    assert {(None, "phy_id"), (None, "ack_interrupt")} <= names.designated, names.designated
    assert "kb_ack" in names.names
