"""Read a tree's preprocessor conditionals without a compiler: which `#if` branches hold a
line, which macros the tree tests but never defines, and what a build must define to reach
a line.

    #ifdef _WITH_VRRP_              line 12 holds under  defined(_WITH_VRRP_)
    #if !defined(_WITH_LVS_)        line 14 holds under  defined(_WITH_VRRP_) && !defined(_WITH_LVS_)
    #else                           line 16 holds under  defined(_WITH_VRRP_) && defined(_WITH_LVS_)

Pure text in, plain data out: no libclang (srcscan.parse is the compiler's view, this package
the source's), no file I/O, no knowledge of any one daemon (rules files name what the
source cannot tell). Modules by job, each importing only those above it:

- lex: comments and literals blanked, logical lines, directives;
- expr: `#if` expressions (Expr): parse, simplify, print;
- conditions: the condition stack of each line, include guards;
- macros: the tree's #defines and tested macros, their classes, rules' -D values checked;
- solve: evaluation under an assignment, and the fewest changes making a condition hold.

This module re-exports their public names (`from srcscan.preprocessor import solve`).
"""

from srcscan.preprocessor.lex import (blank_comments_and_literals, Directive, directive_lines, logical_lines,
                                      scan_directives)
from srcscan.preprocessor.expr import (apply_op, atoms, call_key, conjoin, directive_condition, Expr,
                                       ExprSyntaxError, FALSE, int_value, negate, NEGATED_COMPARISON, parse_expr,
                                       parsed_value, render, simplify, TRUE)
from srcscan.preprocessor.conditions import (Branch, Conditionals, conditionals, ELSES, guard_name, include_guard,
                                             OPENERS)
from srcscan.preprocessor.macros import (CLASSES, classify, classify_tree, default_features, define_problem,
                                         expand_tree_macros, file_switches, follow_file_switches, GENERIC_OFF,
                                         GENERIC_PATTERNS, MacroDef, PreprocessorRules, survey_tree, TreeMacros,
                                         unasked_switches, without_macros)
from srcscan.preprocessor.solve import (Assignment, build_holds, evaluate, MAX_CHANGES, MAX_EVALUATIONS,
                                        satisfiable, Solution, solve, UNKNOWN_VALUE)
