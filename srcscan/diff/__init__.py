"""Match the messages of two catalogs and say what a release added, removed and changed.

Pure: two Catalogs (and, when at hand, the two versions of each file's text) in, a
DiffResult out. Matching runs in passes, each over what the previous ones left
unmatched; within a pass, repeats of one key are paired by site evidence (see `_order`):

0. a call site split by build into calls under exclusive `#if` branches: each new call
   with the old one (srcscan.diff.splits);
1. identity: same file, function and template;
2. the same template in a renamed function of the same file;
3. the same template in a function of the same name in another file;
4. the same template anywhere, unique on both sides, with enough literal text or a reason
   (the old place is gone, or the conditions are equal): messages moved into another file;
5. a rewording at the same site: the old line maps (difflib over the two file texts) onto
   the new one, in the same function or under the same conditions, with a character-level
   similarity for short templates ("fcntl" -> "fcntl()"); then the same template with white
   space runs counted as one, in the same file or unique anywhere (re-indented dump lines);
6. merges: old messages whose text a new helper's template matches (N -> 1, "merged");
7. a close template (word similarity >= SIMILARITY_THRESHOLD) in the same function, or in
   the same file when the old function is gone or the new one is new (an extracted helper);
   one old message into a new helper's template; a long message reworded while it moved
   into a new function of another file (each the other's best match, >= 0.8);
8. what is left: old copies of one template that became one close message of a new
   function ("copies"), and old messages whose text a paired new message still writes
   (one of two copies, a helper's constants now built at run time: "duplicate");
9. what is left of one function's messages on both sides: a call rewritten at its mapped
   place ("rewritten"), and old traces folded into one new message ("folded"): see
   srcscan.diff.rewrites;
10. what is left, across functions: an old message whose close sibling in another function
   went into a function the two now share (a new helper, or the dispatcher that calls them):
   it joins that merge ("shared");
11. pairs whose new messages are texts of one new call site (a helper writing its callers'
   constants) while their old ones are two or more sites (with those of a merge into that
   site): one N -> 1 merge ("helper"); then old messages left over whose test became one
   alternative (`A || B`) of the test of a new message that took a sibling: merged into it
   ("folded"). See srcscan.diff.folds.

A pair that differs only by its place (line, function or file) is "moved", not changed. A
change of `requires` or `processes` whose conditions read the same on both sides is
srcscan's analysis changing, not the release: it is marked `analysis_only` (so is a
requirement the old message's neighbours reading the same objects already had:
srcscan.diff.beside, and one gained from the walks through the containers of the element
the message's function is given, or that its own new walks pass through: srcscan.diff.enclosing).
A `conditions` change whose added or dropped guards only test whether a call with fixed
arguments succeeded is the release's, but no setting changes its effect: it is marked
`runtime_only` (srcscan.diff.runtime). Guards are compared as the release wrote them, not as the code was
arranged: a walk over a container however written (srcscan.diff.walks), the early exits of
code taken into a helper or of a check that went elsewhere with its message, a parameter
added and passed as none, a member read into a local of its name. Build conditions are compared as boolean
formulas (`defined(A) && defined(B)` equals `defined(B) && defined(A)`). Guards are read
for each message's own text (srcscan.diff.ternary) and, for a message moved into a helper
with one caller, with that caller's guards (srcscan.diff.callers).
"""

from srcscan.diff.compare import (ANALYSIS_FIELDS, FIELDS, check_comparable, diff_catalogs, diff_to_dict,
                                  option_names, requires_option)
from srcscan.diff.model import DIFF_SCHEMA, Change, DiffResult, FileTexts, Merge
from srcscan.diff.text import (DISTINCT_LITERAL, SIMILARITY_THRESHOLD, LineMap, build_formula, char_similarity,
                               literal_length)

__all__ = ["ANALYSIS_FIELDS", "DIFF_SCHEMA", "DISTINCT_LITERAL", "FIELDS", "SIMILARITY_THRESHOLD", "Change",
           "DiffResult", "FileTexts", "LineMap", "Merge", "build_formula", "char_similarity", "check_comparable",
           "diff_catalogs", "diff_to_dict", "literal_length", "option_names", "requires_option"]
