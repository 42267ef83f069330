"""templates/style.css is well formed: every block closes where it should and no comment is left
open, so a rule never silently ends up inside a @media block of another section."""
import os
import re

STYLE = os.path.join(os.path.dirname(__file__), "..", "..", "templates", "style.css")


def blocks(text):
    """The depth of nesting after each line, comments removed; raises on a stray '}'."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    assert "/*" not in text, "a comment is not closed"
    depth, after = 0, []
    for n, line in enumerate(text.split("\n"), 1):
        for ch in line:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, "line %d closes a block that is not open" % n
        after.append((n, depth, line))
    return after


def test_blocks_close():
    after = blocks(open(STYLE, encoding="utf-8").read())
    assert after[-1][1] == 0, "a block is left open"


def test_no_media_block_holds_a_section_comment():
    """Each section starts at the top level: a section comment inside a block means that a
    block before it lost its closing brace."""
    text = open(STYLE, encoding="utf-8").read()
    depth = 0
    for m in re.finditer(r"/\*.*?\*/|[{}]", text, flags=re.S):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif tok.startswith("/* ----"):
            assert depth == 0, "section %r starts inside a block" % tok[:60]


def test_blocks_are_checked():
    """The check fails on the mistake it exists for."""
    after = blocks("@media (max-width: 1px) {\n a { b: c; }\n")
    assert after[-1][1] == 1
