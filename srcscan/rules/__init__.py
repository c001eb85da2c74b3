"""Load and validate rules/<project>.toml into a frozen Rules object.

Everything specific to one daemon lives in its rules file; this package only knows the
schema. Every section is read when the file is loaded and before anything is parsed:
unknown keys and wrong types are reported with the file, the dotted key and what was
expected (RulesError), and the analyses get typed values (Rules.options, .logging, ...).

Modules by job: schema (the types), read (validating each section), load (finding files,
the shared C idioms, load_rules).
"""

from srcscan.errors import RulesError, UnknownProjectError
from srcscan.rules.load import (RULES_PACKAGE, SHARED_FILE, SHARED_SECTIONS, find_rules_file, is_project_file,
                                known_projects, load_rules, merged, parse_rules, rules_dirs, rules_files, shared_rules,
                                shared_table, shipped_rules_dir)
from srcscan.rules.schema import (DIALECTS, BitArray, CallgraphRules, CodeTable, ConfigRules, Idioms, KeyTable,
                                  LogFunction, LoggingRules, Openlog, OptionMapping, OptionRules, OptionTable,
                                  ProcessRules, Profile, Rules, Source)

__all__ = ["RulesError", "UnknownProjectError", "RULES_PACKAGE", "SHARED_FILE", "SHARED_SECTIONS", "find_rules_file", "is_project_file", "known_projects",
           "load_rules", "merged", "parse_rules", "rules_dirs", "rules_files", "shared_rules", "shared_table",
           "shipped_rules_dir", "DIALECTS", "BitArray", "CallgraphRules", "CodeTable", "ConfigRules", "Idioms",
           "KeyTable", "LogFunction", "LoggingRules", "Openlog", "OptionMapping", "OptionRules", "OptionTable",
           "ProcessRules", "Profile", "Rules", "Source"]
