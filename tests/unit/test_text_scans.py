"""Text scans over a text with long blanked comments, against the previous readings (kept here as
the reference): extract/logsetup's text_writes and skipped_calls over a text whose comments and
literals are blanked to one space per line find the same names on the same lines; the analyses'
regexes (lex, deadcode, TextCalls) match the same spans."""

import random
import re
from types import SimpleNamespace

from srcscan.extract import logsetup
from srcscan.extract.logsetup import blanked_code, skipped_calls, text_writes

_LITERAL_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)


def _blank_every_character(text: str) -> str:
    return _LITERAL_OR_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _text_writes_before(text: str) -> dict[str, list[int]]:
    code = _blank_every_character(text)
    starts = [0] + [m.end() for m in re.finditer(r"\n", code)]
    lines: dict[str, list[int]] = {}
    for m in logsetup._WRITTEN.finditer(code):
        lines.setdefault(m.group(1) or m.group(2), []).append(sum(1 for s in starts if s <= m.start()))
    return lines


def _skipped_calls_before(unit) -> tuple[list, list]:
    lines = _blank_every_character(unit.text[unit.path]).split("\n")
    skipped = {n for r in unit.skipped for n in range(r.start_line, r.end_line + 1)}
    active = sorted({m.group(1) for number, line in enumerate(lines, 1) if number not in skipped
                     and not line.lstrip().startswith("#") for m in logsetup._CALL.finditer(line)
                     if not logsetup._declared(line, m)})
    out = [(unit.path, number, m.group(1)) for r in unit.skipped
           for number in range(r.start_line, min(r.end_line, len(lines)) + 1)
           if not lines[number - 1].lstrip().startswith("#")
           for m in logsetup._CALL.finditer(lines[number - 1])
           if m.group(1) not in logsetup._NOT_CALLS and not logsetup._declared(lines[number - 1], m)]
    return out, active


_PIECES = ["x", "y_1", "p", "data", "f", "run", "=", "==", "+=", "<=", "++", "--", "&", "&&", "->", ".", "(", ")",
           "[", "]", ";", ",", "{", "}", "*", " ", "  ", "\t", "\n", "\n#if A\n", "\n#endif\n", "/* c = 1 */",
           "/* a\nb(x) = 2\n */", "// f(x) = 3", '"s = 4"', '"(p)"', "'='", "'&'", "return", "void", "int",
           "/*", "*/", "/", "**", "//", '"', "'", "\\", "\\\n"]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 80)))


def test_a_comment_or_literal_is_one_space_per_line_it_spans():
    assert blanked_code('a /* x = 1 */ = f("b = 2", \'c\');\n// d = 3\ne /* 1\n\n2 */ = 4;') \
        == "a   = f( ,  );\n \ne  \n\n  = 4;"


def test_the_text_scans_find_what_they_found_over_a_text_blanked_character_for_character():
    rng = random.Random(15)
    for _ in range(400):
        text = _random_text(rng)
        assert text_writes(text) == _text_writes_before(text), text
        n = text.count("\n") + 1
        first = rng.randrange(1, n + 1)
        skipped = (SimpleNamespace(file="", start_line=first, end_line=rng.randrange(first, n + 1)),)
        unit = SimpleNamespace(path="t.c", text={"t.c": text}, skipped=skipped)
        assert skipped_calls(unit) == _skipped_calls_before(unit), text


def test_a_long_comment_leaves_one_blank():
    text = "int v = 1; /* " + "x" * 100_000 + " */\nw = 2;\n"
    assert len(blanked_code(text)) == len("int v = 1;  \nw = 2;\n")
    assert text_writes(text) == {"v": [1], "w": [2]}


# The analyses' own readers of the text (no facts cache involved): the same matches as the
# lazy `/\*.*?\*/` and the look back before the name gave.

_BLANKABLE_BEFORE = re.compile(r"//(?:[^\n\\]|\\.)*|/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?", re.S)
_CALL_LIKE_BEFORE = re.compile(r"(?<![\w.>])([A-Za-z_]\w*)\s*\(")


def test_the_analyses_text_readers_match_what_the_lazy_comment_and_the_look_back_matched():
    from srcscan.analyze import deadcode, unparsedcallers
    from srcscan.preprocessor import lex

    rng = random.Random(16)
    for _ in range(400):
        text = _random_text(rng) + rng.choice(["", "/*", "/* x *", "/* x **", "'", '"a'])
        spans = lambda rx: [m.span() for m in rx.finditer(text)]  # noqa: E731
        assert spans(lex._BLANKABLE) == spans(_BLANKABLE_BEFORE), text
        assert spans(deadcode._LITERAL_OR_COMMENT) == spans(_LITERAL_OR_COMMENT), text
        assert [(m.span(), m.group(1)) for m in unparsedcallers._CALL_LIKE.finditer(text)] \
            == [(m.span(), m.group(1)) for m in _CALL_LIKE_BEFORE.finditer(text)], text
