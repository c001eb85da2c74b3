"""srcscan explain: from a log line back to its call site, its option and its release.

`lines` reads log formats into records, `matcher` compiles a catalog's templates into one
multi-pattern database, `explain` attributes records to messages, `versions` finds the
releases that hold a set of messages. The Matcher is importable and picklable on its own.
"""

from srcscan.explain.lines import Record, Stamp, open_log, read_records
from srcscan.explain.matcher import Matcher

__all__ = ["Matcher", "Record", "Stamp", "open_log", "read_records"]
