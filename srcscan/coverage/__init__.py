"""Coverage: does the catalog hold every log call the source has, in every build configuration?

A plain token scan of the tree's text (no compiler) finds the call sites of the log
functions; libclang finds the ones in the branches the profile takes. The difference lies
in `#if` branches not taken: for each, the preprocessor package says what a build must
define to reach it, and an extra profile parses only the files that hold such calls. What
no consistent configuration reaches (`#if 0`, contradictions, platform macros the system
headers fix) is listed with its condition and the reason. Calls missing because a header
this machine lacks leaves names undeclared (clang drops the whole statement) get one more
parse with stand-in declarations for those names.

Modules by job, each importing only those before it: tokens (the token scan of the text),
plan (what the parses saw, the extra profiles to try), report (the coverage report), rounds
(the whole step: scan, rounds of extra parses, report), analysis (the catalog analysis of
builds). No libclang here (parses go through scan.py and its cache); reading the tree's text
is the package's only I/O. It must not decide anything about one daemon: rules files do.
"""

from srcscan.coverage.analysis import analyze_build, text_sites, texts_in_build
from srcscan.coverage.plan import observe_fixed, stand_in_declarations
from srcscan.coverage.rounds import scan_with_coverage
from srcscan.coverage.tokens import scan_call_tokens
