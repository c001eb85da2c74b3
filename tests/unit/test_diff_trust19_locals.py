"""Issue 19, kind 6 (noise fields): a guard whose tested expression the new release stores in a
local first reads through the local's one reaching definition, so the condition is the same.
Fixture after keepalived 2.3.3's thread_fetch_next_queue() (lib/scheduler.c): 2.2.7 tested
`t.tv_sec * -1000000 - t.tv_usec > min_delay`, 2.3.3 writes `timeout = t.tv_sec * -1000000 -
t.tv_usec; if (timeout > min_delay)`. A local assigned twice, in a branch, or through its
address stays a value of the run: those guards are still changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.formats.template import render_normal
from srcscan.render.diff import render_diff_markdown, render_diff_table

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

RELEASES = {
    "stored-first": {
        "sched.c": """
struct tv { long tv_sec; long tv_usec; };
long min_delay;
void check(struct tv t)
{
	long timeout;
	if (t.tv_sec < 0) {
-		if (t.tv_sec * -1000000 - t.tv_usec > min_delay)
+		timeout = t.tv_sec * -1000000 - t.tv_usec;
+		if (timeout > min_delay)
			log_message(LOG_INFO, "A thread timer expired late");
	}
}
""",
    },
    # the local is assigned in a branch and again after: not one reaching definition
    "assigned-twice": {
        "late.c": """
struct tv { long tv_sec; long tv_usec; };
long min_delay;
void late(struct tv t, int fast)
{
	long timeout;
-	if (t.tv_sec * -1000000 - t.tv_usec > min_delay)
+	timeout = t.tv_sec * -1000000 - t.tv_usec;
+	if (fast)
+		timeout = 0;
+	if (timeout > min_delay)
		log_message(LOG_INFO, "A timer expired late");
}
""",
    },
    # an operand written between the definition and the test
    "operand-written": {
        "op.c": """
struct tv { long tv_sec; long tv_usec; };
long min_delay;
void op(struct tv t)
{
	long timeout;
-	if (t.tv_sec * -1000000 - t.tv_usec > min_delay)
+	timeout = t.tv_sec * -1000000 - t.tv_usec;
+	t.tv_sec = 0;
+	if (timeout > min_delay)
		log_message(LOG_INFO, "A slow timer expired");
}
""",
    },
    # 2.3.3 prints the lateness it stored with `%u` where 2.2.7 printed the timer's fields
    # with `%ld`: the same digits for values >= 0, other arguments: a note, no template change
    "unsigned-now": {
        "late2.c": """
struct tv { long tv_sec; long tv_usec; };
long min_delay;
void late2(struct tv t)
{
	unsigned timeout;
	if (t.tv_sec < 0) {
-		if (t.tv_sec * -1000000 - t.tv_usec > min_delay)
-			log_message(LOG_INFO, "Timer expired %ld.%6.6ld seconds ago", -t.tv_sec, t.tv_usec);
+		timeout = t.tv_sec * -1000000 - t.tv_usec;
+		if (timeout > min_delay)
+			log_message(LOG_INFO, "Timer expired %u.%6.6u seconds ago", timeout / 1000000, timeout % 1000000);
	}
}
""",
    },
    # `%u` -> `%d` may now write a `-`: a template change
    "signed-now": {
        "sgn.c": """
void sgn(int x)
{
-	log_message(LOG_INFO, "Value now %u", x);
+	log_message(LOG_INFO, "Value now %d", x + 1);
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19l"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def test_a_test_stored_in_a_local_first_is_the_same_condition(diffs):
    d = diffs["stored-first"]
    assert [(render_normal(c.old.template), c.fields) for c in d.changed] == []
    assert not d.added and not d.removed


def test_a_local_assigned_twice_is_not_read_through_either_assignment(diffs):
    d = diffs["assigned-twice"]
    assert [(render_normal(c.old.template), "conditions" in c.fields) for c in d.changed] == \
        [("A timer expired late", True)]


def test_a_local_whose_operand_is_written_before_the_test_is_not_read_through(diffs):
    d = diffs["operand-written"]
    assert [(render_normal(c.old.template), "conditions" in c.fields) for c in d.changed] == \
        [("A slow timer expired", True)]


def test_a_signed_conversion_now_unsigned_with_other_arguments_is_a_note_not_a_template_change(diffs):
    d = diffs["unsigned-now"]
    assert [(render_normal(c.old.template), c.fields) for c in d.changed] == []
    [m] = d.moved
    assert len(m.notes) == 1 and "now unsigned" in m.notes[0]
    # the note is shown where the pair is listed, in both text forms
    for text in (render_diff_markdown(d, moves=True), render_diff_table(d, moves=True)):
        assert "(note: " in text and "now unsigned" in text


def test_an_unsigned_conversion_now_signed_is_a_template_change(diffs):
    d = diffs["signed-now"]
    assert [("template" in c.fields, c.notes) for c in d.changed] == [(True, ())]
