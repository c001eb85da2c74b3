"""diff_catalogs: run the matcher over two catalogs, compare each pair's fields, tell the
release's changes from srcscan's analysis changing (analysis-only), and the diff as JSON."""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from typing import Any, Callable, Iterable

from srcscan.catalog import SCHEMA, Catalog, Message, message_to_dict
from srcscan.diff.model import DIFF_SCHEMA, Change, DiffResult, FileTexts, Merge
from srcscan.diff.analysis import _Callers, _analysis_only, conditions_changed
from srcscan.diff.beside import narrowed_with_calls_added, required_beside
from srcscan.diff.branches import without_unchanged_branches
from srcscan.diff.callers import with_only_caller
from srcscan.diff.enclosing import walked_own_containers, walked_through_containers
from srcscan.diff.fallbacks import with_fallback_exits
from srcscan.diff.macros import MacroReader, spelled_out
from srcscan.diff.members import with_renamed_members
from srcscan.diff.implied import same_logic, without_implied_exits, without_vacuous_exits
from srcscan.diff.passes import _Matcher
from srcscan.diff.reaching import with_read_locals
from srcscan.diff.runtime import runtime_only_guards
from srcscan.diff.selfexits import without_exits_writing_it
from srcscan.diff.rewrites import _negations
from srcscan.diff.signatures import with_own_module_name
from srcscan.diff.splits import guards_for_text, same_build
from srcscan.diff.trusted import without_dropped_member_tests, without_trusted_pointer_tests
from srcscan.diff.walks import same_walks, without_loop_conditions
from srcscan.diff.wrappers import WrapperReader, with_wrappers_spelled_out
from srcscan.cexpr import c_string_value
from srcscan.diff.text import (DISTINCT_LITERAL, forget_texts, STRING_RUN, _site, _sorted, _text, _uncast, build_formula, call_arguments, same_build_but_own_switches,
                               same_build_on_target,
                               literal_length, now_unsigned, numerically_impossible, same_up_to_constants,
                               without_length_modifiers)
from srcscan.formats.template import render_normal
from srcscan.errors import InputError

# Fields compared on a matched pair, and how to read each from a message.
FIELDS: tuple[tuple[str, Callable[[Message], Any]], ...] = (
    # the text, and the format as written: a literal that became a helper's `%s %s name too long`
    # filled by its callers' constants writes the same line from another template
    # filled by its callers' constants writes the same line from another template; a length
    # modifier (`%zx` -> `%x`, a size_t now a uint32_t) prints the same
    ("template", lambda m: (_text(m), "" if m.dynamic else without_length_modifiers(m.format))),
    ("priority", lambda m: m.priority),
    # the call: see _same_call
    ("call", lambda m: (m.written or m.call, m.call)),
    ("requires", lambda m: m.requires),
    ("facility", lambda m: (m.facility, m.facility_with)),
    ("processes", lambda m: m.processes),
    ("build", lambda m: build_formula(m.build)),
    ("location", lambda m: (m.file, m.function)),
)
# Fields an analysis derives from the code around the call: when the conditions read the
# same on both sides, a change there is srcscan's, not the release's.
ANALYSIS_FIELDS = ("requires", "processes", "facility")


def check_comparable(old: Catalog, new: Catalog) -> None:
    for c in (old, new):
        if c.schema != SCHEMA:
            raise InputError(f"catalog schema {c.schema!r} is not {SCHEMA!r}; rebuild it with this srcscan")
    if old.project != new.project:
        raise InputError(f"catalogs of two different projects: {old.project} and {new.project}")


def diff_catalogs(old: Catalog, new: Catalog, only: Callable[[Message], bool] | None = None,
                  texts: FileTexts | None = None) -> DiffResult:
    """What changed from `old` to `new`. `texts` gives the files' texts for the line mapping
    (without it, lines are compared after correcting each file's median offset)."""
    check_comparable(old, new)
    forget_texts()  # the kept function spans of the releases compared before
    matcher = _Matcher(old, new, texts)
    pairs, merges = matcher.run()
    helpers = _extracted_helpers(pairs, merges, matcher.old_functions)
    changed, moved, kept = [], [], []
    fields_of = {}
    notes_of: dict[tuple[int, int], tuple[str, ...]] = {}
    exits_went: set[tuple[int, int]] = set()  # pairs whose old side lost an exit that went elsewhere with its check
    runtime_of: set[tuple[int, int]] = set()  # pairs whose conditions changed in runtime tests only
    macros = MacroReader(texts, {side: {posixpath.dirname(p) for p in [m.file for m in c.messages] + [f.path for f in c.files]}
                                 for side, c in (("old", old), ("new", new))})
    wrappers = WrapperReader(texts, {side: {m.file for m in c.messages} | {f.path for f in c.files}
                                     for side, c in (("old", old), ("new", new))})
    compiled = _compiled_by_file(new)
    in_function = {side: _by_function(c) for side, c in (("old", old), ("new", new))}
    # a merge's old messages each paired with the text of the new site it still is: compared as pairs
    folded = [(c.old, c.new, c.similarity, c.how) for m in merges for c in m.texts]
    for a, b, similarity, how in pairs + folded:
        split = matcher.splits.get(id(b)) if how == "build-split" else None
        fields = tuple(name for name, get in FIELDS if get(a) != get(b)
                       and not (name == "template" and same_up_to_constants(a, b) and _same_arguments(a, b, texts))
                       and not (name == "template" and _same_digits(a, b, texts) is not None)
                       and not (name == "call" and _same_call(a, b))
                       and not (split is not None and name == "build" and same_build(a, split))
                       and not (name == "build" and same_build_but_own_switches(a, b, texts))
                       and not (name == "build" and same_build_on_target(a, b))
                       # the same line written, the ternary's constant now a literal of this build's call
                       and not (split is not None and name == "template" and _text(a) == _text(b)))
        guards_a, guards_b = guards_for_text(a, b, split, texts)  # each read for its own text
        guards_a, guards_b = with_only_caller(a, b, guards_a, guards_b, texts)  # a helper's only caller
        guards_a, guards_b = same_walks(a, b, guards_a, guards_b, texts)  # a loop over a container, however written
        if texts is not None:  # loops are compared as written (conditions_changed)
            guards_a = without_loop_conditions(a, guards_a, texts("old", a.file))
            guards_b = without_loop_conditions(b, guards_b, texts("new", b.file))
        kept_a = len(guards_a)
        guards_a, guards_b = _without_extracted_exits(guards_a, guards_b, helpers.get((a.file, a.function)),
                                                      a.conditions, (b.file, b.function))
        if len(guards_a) < kept_a:
            exits_went.add((id(a), id(b)))
        guards_a, guards_b = _without_null_tests(a, guards_a), _without_null_tests(b, guards_b)
        guards_a, guards_b = without_implied_exits(guards_a), without_implied_exits(guards_b)
        guards_a = without_exits_writing_it(a, guards_a, in_function["old"].get((a.file, a.function), ()))
        guards_b = without_exits_writing_it(b, guards_b, in_function["new"].get((b.file, b.function), ()))
        guards_a = without_vacuous_exits(guards_a, dict(a.constants))
        guards_b = without_vacuous_exits(guards_b, dict(b.constants))
        guards_a, guards_b = without_trusted_pointer_tests(a, b, guards_a, guards_b, texts)
        guards_a, guards_b = without_dropped_member_tests(a, b, guards_a, guards_b, texts)
        guards_a, guards_b = without_unchanged_branches(a, b, guards_a, guards_b, texts)
        guards_a, guards_b = with_renamed_members(a, b, guards_a, guards_b, texts)
        guards_a = with_own_module_name(guards_a, guards_b, b.file)
        guards_a, guards_b = spelled_out(guards_a, macros, "old", a.file), spelled_out(guards_b, macros, "new", b.file)
        guards_a, guards_b = with_wrappers_spelled_out(guards_a, guards_b, wrappers)  # `fdio_close_socket(fd)` for `close(fd)`
        guards_a, guards_b = with_read_locals(a, b, guards_a, guards_b, texts)  # a test stored in a local first
        guards_a, guards_b = with_fallback_exits(a, b, guards_a, guards_b, texts)  # `if (v ok) { } else if (fails(v = f()))`
        read_a, read_b = replace(a, conditions=guards_a), replace(b, conditions=guards_b)
        if conditions_changed(read_a, read_b, texts) and not same_logic(read_a, read_b, texts):
            fields += ("conditions",)  # a guard added, dropped or rewritten (not renamed)
            dropped, added = runtime_only_guards(a, b, guards_a, guards_b, texts)  # tests no setting controls
            if dropped or added:
                runtime_of.add((id(a), id(b)))
                notes_of[(id(a), id(b))] = (_runtime_note(dropped, added),)
        fields_of[(id(a), id(b))] = fields
        if "template" not in fields and (note := _same_digits(a, b, texts)):
            notes_of[(id(a), id(b))] = notes_of.get((id(a), id(b)), ()) + (note,)
        if "template" in fields and (note := _old_text_left(a, b, compiled, texts)):
            notes_of[(id(a), id(b))] = notes_of.get((id(a), id(b)), ()) + (note,)
    callers = _Callers(old, new, texts, {m.function for a, b, _, _ in pairs + folded for m in (a, b)
                                         if set(fields_of[(id(a), id(b))]) & set(ANALYSIS_FIELDS)})

    def analysis_of(a: Message, b: Message, how: str, fields: tuple[str, ...]) -> tuple[str, ...]:
        analysis = tuple(f for f in fields if f in ANALYSIS_FIELDS and (
            "conditions" not in fields
            and (_analysis_only(f, a, b, old, new, callers)
                 or f == "requires" and required_beside(a, b, old, new)
                 or narrowed_with_calls_added(f, a, b, callers)
                 or f == "requires" and walked_through_containers(a, b, new, callers)
                 or f == "requires" and (id(a), id(b)) in exits_went and _only_dropped(a, b))
            # the keywords of the lists the function's own new walks pass through: whatever guard
            # the release added besides (`conditions`, its change), they held for the old element too
            or f == "requires" and walked_own_containers(a, b, new, texts)))
        if "requires" in fields and how == "build-split" and _read_beside_parsed_copy(a, b, matcher.splits.get(id(b))):
            analysis += ("requires",)
        return analysis

    for a, b, similarity, how in pairs:
        fields = fields_of[(id(a), id(b))]
        if fields:
            analysis = analysis_of(a, b, how, fields)
            runtime = ("conditions",) if (id(a), id(b)) in runtime_of else ()
            # a pair whose only change of the release is its place (another function or file) moved
            (moved if set(fields) - set(analysis) - set(runtime) == {"location"} else changed).append(
                Change(a, b, fields, round(similarity, 3), how, analysis, runtime_only=runtime,
                       notes=notes_of.get((id(a), id(b)), ())))
        elif a.line != b.line:
            moved.append(Change(a, b, ("line",), 1.0, how, notes=notes_of.get((id(a), id(b)), ())))
        else:
            kept.append((a, b))
    merges = [replace(m, texts=tuple(replace(c, fields=fields_of[(id(c.old), id(c.new))],
                                             analysis_only=analysis_of(c.old, c.new, c.how, fields_of[(id(c.old), id(c.new))]),
                                             runtime_only=("conditions",) if (id(c.old), id(c.new)) in runtime_of else ())
                                     for c in m.texts)) for m in merges]
    olds, news = matcher.olds, matcher.news
    if only is not None:  # matched on everything, then kept where either side involves it
        news, olds = [m for m in news if only(m)], [m for m in olds if only(m)]
        changed = [c for c in changed if only(c.old) or only(c.new)]
        moved = [c for c in moved if only(c.old) or only(c.new)]
        merges = [m for m in merges if only(m.new) or any(only(o) for o in m.olds)]
    order = lambda c: (c.new.file, c.new.line)  # noqa: E731
    return DiffResult(old, new, tuple(_sorted(news)), tuple(_sorted(olds)),
                      tuple(sorted(changed, key=order)), tuple(sorted(moved, key=order)),
                      tuple(sorted(merges, key=order)), tuple(kept))


def _old_text_left(a: Message, b: Message, compiled: Callable[[str], list[Message]], texts: FileTexts | None) -> str:
    """A note when a's format is still written in b's file in the new release, as the whole
    format of a call of a's log function (the name within LEFT_CALL_LINES lines before the
    literal), while no new message of that file some build compiles writes a's text or format: the old
    call is still there, in code the new catalog holds nothing of (a branch no build
    compiles). lighttpd 1.4.79 writes `SSL: Unable to config groups %s` where 1.4.69 wrote
    `SSL: Unable to config curve %s`, whose call it keeps under `OPENSSL_VERSION_NUMBER <
    0x10100000L` and `>= 0x30000000L` at once: the pair stands (the auditors of session 14: a
    rewording), the note says the old text is left; "" else. `compiled(file)`: the new
    messages of that file some build compiles (_compiled_by_file)."""
    text = texts("new", b.file) if texts is not None and not a.dynamic and a.format else None
    if not text or literal_length(a) < DISTINCT_LITERAL or \
            any(_text(m) == _text(a) or m.format == a.format for m in compiled(b.file)):
        return ""  # a's text, or its format filled with other constants (keepalived's `%s server %s.`), is written
    call = re.compile(rf"\b{re.escape(a.written or a.call)}\s*\(")
    lines = None
    for found in STRING_RUN.finditer(text):
        if c_string_value(found.group(0)) == a.format:
            line = text.count("\n", 0, found.start()) + 1
            lines = text.split("\n") if lines is None else lines
            before = "\n".join(lines[max(0, line - 1 - LEFT_CALL_LINES): line])
            if call.search(before):
                return f"the old text is still written at {b.file}:{line}, in code no build of the new release compiles"
    return ""


def _runtime_note(dropped: tuple[str, ...], added: tuple[str, ...]) -> str:
    """The note of a pair whose conditions changed in runtime tests only (srcscan.diff.runtime)."""
    said = [f"{what} {', '.join(f'`{g}`' for g in guards)}" for what, guards in (("dropped", dropped), ("added", added))
            if guards]
    return ("conditions: only tests of calls with fixed arguments, which no setting controls, " + "; ".join(said)
            + ": the same settings log it")


def _by_function(catalog: Catalog) -> dict[tuple[str, str], list[Message]]:
    """(file, function) -> the catalog's messages written there."""
    out: dict[tuple[str, str], list[Message]] = {}
    for m in catalog.messages:
        out.setdefault((m.file, m.function), []).append(m)
    return out


def _compiled_by_file(catalog: Catalog) -> Callable[[str], list[Message]]:
    """file -> the catalog's messages of that file some build compiles (its build not
    numerically impossible), each file's list made on first asking."""
    found: dict[str, list[Message]] = {}

    def of(file: str) -> list[Message]:
        if file not in found:
            found[file] = [m for m in catalog.messages if m.file == file and not numerically_impossible(m.build)]
        return found[file]
    return of


LEFT_CALL_LINES = 3  # a log call's name and its format's literal (lighttpd writes the format on the next line)


def _read_beside_parsed_copy(a: Message, b: Message, split: Any) -> bool:
    """Is b a copy of one call for a build the base build is not (an extra profile's parse),
    needing nothing, while the other build's copy needs what the old message needed? Then b's
    empty requirement is what srcscan could read of it, not the release: lighttpd 1.4.79's
    `#ifdef _WIN32` copy of `testing socket failed: connect() %s` reads none, its `#else` copy
    the old message's server.bind or `$SERVER["socket"]`, under the same tests."""
    return split is not None and not b.requires and bool(a.requires) and \
        any(o.requires == a.requires for o in split.others)


def _extracted_helpers(pairs: list[tuple[Message, Message, float, str]], merges: list[Merge],
                       old_functions: set[tuple[str, str]]
                       ) -> dict[tuple[str, str], tuple[set[str], list[tuple[Message, tuple[str, str]]]]]:
    """(file, old function) -> (the functions that write none of the old catalog's messages of
    their file and now write messages of that old function, the old function's messages now
    written by another function, each with its new (file, function)): code taken out of it into a new helper (lighttpd 1.4.79's
    server_pid_file_open(), out of server_main_setup()), or a check moved elsewhere with its
    message (keepalived 2.3.3's vs_end_handler() drops a virtual server without real servers,
    which 2.2.7's validate_check_config() skipped)."""
    out: dict[tuple[str, str], tuple[set[str], list[tuple[Message, tuple[str, str]]]]] = {}
    for a, b in [(a, b) for a, b, _, _ in pairs] + [(o, m.new) for m in merges for o in m.olds]:
        if b.function != a.function:
            names, moved = out.setdefault((a.file, a.function), (set(), []))
            moved.append((a, (b.file, b.function)))
            if (b.file, b.function) not in old_functions:
                names.add(b.function)
    return out


def _without_extracted_exits(guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                             extracted: tuple[set[str], list[tuple[Message, tuple[str, str]]]] | None,
                             around: tuple[str, ...] = (), place: tuple[str, str] | None = None
                             ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards but the early exits (`!(...)`) of code taken out of the function
    into a helper: on the new side an exit on a call of the helper, on the old side the inline
    exit (the new side has not) on what one of the messages now written elsewhere tested (all
    its conditions: the check went with its message; when it went to another place than the
    new message's, `place` (file, function), its conditions but those of the code around both,
    `around` the old message's own conditions, as the loop over the elements checked:
    keepalived 2.3.3's vs_end_handler() drops a virtual server without real servers, for which
    2.2.7's validate_check_config() skipped the rest of its loop body). The
    function exits where its inline code exited before (lighttpd 1.4.79's `if (-1 == pid_fd &&
    0 != server_pid_file_open(srv, i_am_root)) return -1;`). A check that calls a new function
    of another origin (a new feature's setup) is still a new condition."""
    if not extracted:
        return guards_a, guards_b
    names, moved = extracted
    kept_b = {_uncast(g) for g in guards_b}
    shared = {_uncast(g) for g in around}
    tests = [ts for o, went in moved
             if (ts := [_uncast(c) for c in o.conditions if went == place or _uncast(c) not in shared])]

    def exit_on(g: str) -> bool:  # `!(A && B)` on a moved message's A, B; `x` on its `!x` alone
        g = _uncast(g)
        return any(g.startswith("!(") and all(t in g for t in ts) or len(ts) == 1 and g in _negations(ts[0])
                   for ts in tests)
    old = tuple(g for g in guards_a if not (_uncast(g) not in kept_b and exit_on(g)))
    if not names:
        return old, guards_b
    call = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\s*\(")
    return old, tuple(g for g in guards_b if not (g.startswith("!(") and call.search(g)))


_POINTER_TEST = re.compile(r"(?:!\(!\s*)?([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*)\s*(?:\)|!=\s*(?:NULL|0))?")


def _only_dropped(a: Message, b: Message) -> bool:
    """Does b's requirement only leave out option atoms a's had? When a's exit went elsewhere
    with its check (_without_extracted_exits), what that exit made a need is still needed
    where the check went, which srcscan reads at another stage: keepalived 2.3.3's
    vs_end_handler() drops a virtual server without real servers at parse time, 2.2.7's
    validate_check_config() skipped it; `Warning - quorum %u for %s exceeds total weight`
    still needs a real_server (the auditors of session 14), though 2.3.3's catalog reads
    virtual_server alone."""
    atoms = [{atom for alternative in m.requires for atom in alternative} for m in (a, b)]
    return atoms[1] < atoms[0]


def _without_null_tests(m: Message, guards: tuple[str, ...]) -> tuple[str, ...]:
    """The guards but the tests that a pointer the message itself prints through is set
    (`cur_track_file` when it writes `cur_track_file->fname`): the call reads through it
    whatever the guard, so the test says nothing of when it is written. keepalived 2.2.7's
    track_file handlers returned early on `!cur_track_file` (set by the block's own handler);
    2.3.3's write `current_tf->fname` without the test."""
    args = " ".join(p.arg or "" for p in m.template.parts if not isinstance(p, str))
    out = []
    for g in guards:
        test = _POINTER_TEST.fullmatch(" ".join(g.split()))
        if not (test and (g.startswith("!(!") == g.endswith(")"))
                and re.search(rf"(?<![\w.>]){re.escape(test.group(1))}\s*->", args)):
            out.append(g)
    return tuple(out)


def _same_call(a: Message, b: Message) -> bool:
    """One call on both sides: the same name written, or the same log function reached.
    `log_error_multiline(...)` in both releases is one call, though lighttpd 1.4.79's log.h
    makes it a compatibility macro of log_pri_multiline; `log_perror(...)` -> `log_serror(...)`,
    a macro of the same function, is one too. What a macro changes in the output shows in
    `priority` and `template`; but a name written the same that now reaches another log
    function writing at another priority is another call (lighttpd 1.4.69's
    `DEBUG_LOG_DEBUG(...)` expanded to log_error(), 1.4.79's to log_debug())."""
    if a.call != b.call and a.priority != b.priority:
        return False
    return (a.written or a.call) == (b.written or b.call) or a.call == b.call


def _same_digits(a: Message, b: Message, texts: FileTexts | None) -> str | None:
    """None, or the note of a template the same but for signed decimal conversions now
    unsigned (text.now_unsigned: `%ld` -> `%u`; printf(3): `d` and `i` print alike, a length
    modifier changes no text, `d` and `u` differ only for a negative value), its literal text
    the same. "" when each hole is filled by the same argument (white space aside) on both
    sides: the same digits for each value the new call holds. Otherwise the note says so: a
    line the new call writes matches the old template (digits, never a `-`), but srcscan does
    not show that the arguments hold the same values, nor that the old ones were never
    negative (keepalived 2.3.3's `A thread timer expired %u.%6.6u seconds ago` of `timeout /
    1000000` where 2.2.7 wrote `%ld.%6.6ld` of `-earliest_timer.tv_sec`). The reverse (`%u` ->
    `%d`) may write a `-` the old line never had: no note, a template change. `texts` is not
    read (the holes' arguments are the catalogs')."""
    if a.dynamic or b.dynamic or not now_unsigned(a.format, b.format):
        return None
    if [p for p in a.template.parts if isinstance(p, str)] != [p for p in b.template.parts if isinstance(p, str)]:
        return None
    holes = [[" ".join(p.arg.split()) if p.arg else None for p in m.template.parts if not isinstance(p, str)]
             for m in (a, b)]
    if len(holes[0]) != len(holes[1]):
        return None
    if None not in holes[0] and holes[0] == holes[1]:
        return ""
    return (f"template: {a.format!r} -> {b.format!r}: signed decimal conversions now unsigned, the same "
            "digits for values >= 0 (printf(3)); the arguments changed and are not shown to hold the same values")


def _same_arguments(a: Message, b: Message, texts: FileTexts | None) -> bool:
    """Are the two calls written with the same arguments (white space aside)? Unknown
    (True) without the files' texts. `open_dump_file()`'s `log_message(..., file_name, ...)`
    -> `(..., full_file_name, ...)` is the release changing what fills the hole."""
    if texts is None:
        return True
    args = [call_arguments(texts(side, m.file), m.line, m.written or m.call) for side, m in (("old", a), ("new", b))]
    return None in args or args[0] == args[1]


def requires_option(names: set[str]) -> Callable[[Message], bool]:
    """A filter keeping messages whose requirements mention one of `names` (with or without `!`, levels)."""
    def mentions(m: Message) -> bool:
        for alternative in m.requires:
            for atom in alternative:
                bare = atom.lstrip("!")
                for op in (">=", "<=", "==", ">", "<", "="):
                    bare = bare.split(op, 1)[0]
                if bare in names:
                    return True
        return False
    return mentions


def option_names(catalogs: Iterable[Catalog], name: str) -> set[str]:
    """`-D` -> {"-D", "--log-detail"} when a catalog's option table links them."""
    names = {name}
    for c in catalogs:
        for option in c.sections.options or ():
            aliases = set(option.names)
            if name in aliases:
                names |= aliases
    return names


def diff_to_dict(d: DiffResult, sids: dict[str, dict[str, str]] | None = None,
                 with_options: tuple[str, ...] = ()) -> dict[str, Any]:
    """The diff as JSON data; `sids` ({"old": {id: sid}, "new": {...}}, from a history index)
    adds each message's stable id; `with` records the run's --with options (as given), and
    each side its source provider."""
    sids = sids or {}

    def message(m: Message, side: str) -> dict[str, Any]:
        out = message_to_dict(m)
        sid = sids.get(side, {}).get(m.id)
        if sid:
            out["sid"] = sid
        return out

    def side(c: Catalog) -> dict[str, Any]:
        return {"project": c.project, "version": c.version, "provenance": c.provenance.to_dict(),
                "provider": c.provenance.provider, "messages": len(c.messages)}

    def change(c: Change) -> dict[str, Any]:
        # `fields`: what the release changed; `analysis_only`: what srcscan's reading changed;
        # `runtime_only`: what the release changed in tests of calls no setting controls only
        return {"old": message(c.old, "old"), "new": message(c.new, "new"),
                "fields": list(c.release_fields),
                "similarity": c.similarity, "how": c.how, "analysis_only": list(c.analysis_only),
                **({"runtime_only": list(c.runtime_only)} if c.runtime_only else {}),
                **({"notes": list(c.notes)} if c.notes else {})}

    def merge(m: Merge) -> dict[str, Any]:
        return {"olds": [message(o, "old") for o in m.olds], "new": message(m.new, "new"), "how": m.how}

    variants, gone = set(map(id, d.variants)), set(map(id, d.gone_variants))
    new_sites, gone_sites = d.new_sites, d.gone_sites
    reworded = d.reworded_sites
    sited = {id(m) for m, _ in new_sites} | {id(m) for m, _, _ in reworded}
    unsited = {id(m) for m, _ in gone_sites}

    def first(m: Message, side: str, listed: tuple[Message, ...], further: set[int]) -> dict[str, Any]:
        # an added (removed) call site once, with the other texts it writes (wrote) as `site_texts`
        out = message(m, side)
        others = [o.id for o in listed if id(o) in further and _site(o) == _site(m)]
        if others:
            out["site_texts"] = [render_normal(o.template) for o in listed if o.id in others]
        return out

    return {
        "schema": DIFF_SCHEMA,
        "with": list(with_options),
        "old": side(d.old),
        "new": side(d.new),
        "added": [first(m, "new", d.added, variants) for m in d.added if id(m) not in variants | sited],
        # a new call of a message the old release wrote and the new one still writes
        "new_sites": [{"new": first(m, "new", d.added, variants), "existing": message(o, "old")} for m, o in new_sites],
        # a new call rewording a message the old release wrote (`rewords`) and the new one still writes (at `still`)
        "reworded_sites": [{"new": first(m, "new", d.added, variants), "rewords": message(a, "old"), "still": message(b, "new")}
                           for m, a, b in reworded],
        "variants": [message(m, "new") for m in d.added if id(m) in variants],
        "removed": [first(m, "old", d.removed, gone) for m in d.removed if id(m) not in gone | unsited],
        # a call the release dropped of a message it still writes (at `still`)
        "gone_sites": [{"old": first(m, "old", d.removed, gone), "still": message(b, "new")} for m, b in gone_sites],
        "variants_gone": [message(m, "old") for m in d.removed if id(m) in gone],
        # a change is the release's when some field other than srcscan's analysis changed
        "changed": [change(c) for c in d.changed if c.release_fields],
        "analysis_only": [change(c) for c in d.changed if not c.release_fields and not c.runtime_only],
        # changed by the release in runtime tests only (srcscan.diff.runtime): the same settings log it
        "runtime_only": [change(c) for c in d.changed if not c.release_fields and c.runtime_only],
        "moved": [change(c) for c in d.moved],
        "merged": [merge(m) for m in d.merged],
    }
