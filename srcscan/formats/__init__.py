"""Format dialects: turn a log call's format argument(s) into one Template form.

Each dialect module exposes `build_template(fmt: Arg, rest: tuple[Arg, ...]) -> Template`.
Templates from every dialect share one shape (literal text plus typed holes), so messages
can be compared, diffed and matched against log lines whatever API wrote them.
"""
