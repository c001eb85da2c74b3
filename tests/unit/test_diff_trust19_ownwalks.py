"""Issue 19, session 26, kind 2: a requirement gained from the walks through an element's
containers, when the walks are the message's own function's. keepalived 2.2.7's
register_checkers_thread() walked the queue of every checker (`list_for_each_entry(checker,
&checkers_queue, e_list)`); 2.3.3's walks each virtual server's real servers' checkers, and
its catalog's requirement gains real_server and virtual_server, the keywords filling the
lists of the outer walks. A checker sits inside a real_server inside a virtual_server either
way (queue_checker() takes the last of each): srcscan's reading. The test 2.3.3 added around
the call (`!checker->enabled || !checker->has_run`) is the release's change all the same: the
pair's `conditions` stay the release's, its `requires` is analysis-only. An atom gained that
fills no outer walk's list (the innermost's, or an option) is the release's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.diff import diff_catalogs
from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

RELEASES = {
    "own-walks": {"check.c": """
struct list { void *first; };
#define list_for_each_entry(pos, head, member) for (pos = (void *)(head)->first; pos; pos = (void *)pos->member)
struct checker { int launch; int enabled; int has_run; struct checker *next; };
struct rs { struct list checkers; struct rs *next; };
struct vs { struct list rs; struct vs *next; };
struct data { struct list vs; };
extern struct data *check_data;
-extern struct list checkers_queue;
void register_checkers(void)
{
-	struct checker *checker;
-
-	list_for_each_entry(checker, &checkers_queue, next) {
-		if (checker->launch)
-			log_message(LOG_INFO, "activating checker %d", checker->enabled);
-	}
+	struct vs *vs;
+	struct rs *rs;
+	struct checker *checker;
+
+	list_for_each_entry(vs, &check_data->vs, next) {
+		list_for_each_entry(rs, &vs->rs, next) {
+			list_for_each_entry(checker, &rs->checkers, next) {
+				if (checker->launch) {
+					if (!checker->enabled || !checker->has_run)
+						log_message(LOG_INFO, "activating checker %d", checker->enabled);
+				}
+			}
+		}
+	}
}
"""},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return tagged_diffs(tmp_path_factory.mktemp("trust19o"), RELEASES, HEAD, RULES)["own-walks"]


def _with_requires(catalog, requires, options):
    return replace(catalog, messages=tuple(replace(m, requires=requires) if render_normal(m.template).startswith("activating")
                                           else m for m in catalog.messages),
                   sections=replace(catalog.sections, options=tuple(options)))


def _fill(name: str, member: str) -> Option:
    return Option((name,), "config", True, (OptionEffect(f".{member}", "list_add", "x"),), "check.c")


@pytest.mark.parametrize("gained, analysis", [(("real_server", "virtual_server"), ("requires",)),
                                              (("HTTP_GET",), ()), (("-D",), ())])
def test_a_requirement_gained_from_the_functions_own_walks_through_containers_is_analysis_only(built, gained, analysis):
    d, texts = built
    keywords = [_fill("virtual_server", "vs"), _fill("real_server", "rs"), _fill("HTTP_GET", "checkers")]
    old = _with_requires(d.old, (("@checker",),), keywords)
    new = _with_requires(d.new, (("@checker",) + gained,), keywords)
    got = diff_catalogs(old, new, texts=texts)
    assert [(render_normal(c.new.template), c.fields, c.analysis_only) for c in got.changed] == \
        [("activating checker %d", ("requires", "conditions"), analysis)]
