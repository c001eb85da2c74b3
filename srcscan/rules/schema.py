"""The rules' types: one frozen dataclass per section of a rules file, and Rules itself.

Plain, picklable values: the analyses read these, never the TOML tables (rules.read
validates every key when the file is loaded).
"""

from __future__ import annotations

from dataclasses import dataclass

from srcscan.formats.template import Template
from srcscan.preprocessor import PreprocessorRules

DIALECTS = ("printf", "lighttpd_legacy")


@dataclass(frozen=True)
class FacilityBits:
    """What a log function does itself with the facility bits of its priority argument when
    they are one facility's code (`(LOG_FACMASK & priority) == MS_DEBUG`, dnsmasq's log.c,
    MS_DEBUG being LOG_NEWS): the suffix it adds to the program name and the option without
    which it returns at once ("" when none)."""

    facility: str  # a syslog facility name (<syslog.h>: "news" for LOG_NEWS)
    code: int  # its code (facility << 3)
    ident_suffix: str = ""
    requires: str = ""


@dataclass(frozen=True)
class EventChannel:
    """Code sending an event code to code that logs by it (the rules' `[[events]]`: dnsmasq's
    send_event(fd, event, data, msg) writes `event` down a pipe, and fatal_event/async_event
    log per `switch (ev->event)`): a `case` of a receiver's switch whose labels are codes some
    call of `send` passes at `code_arg` runs only when one of those calls ran."""

    send: str  # the function writing the code
    code_arg: int  # index of the code argument
    receivers: tuple[str, ...]  # functions whose `case`s on the code log


@dataclass(frozen=True)
class LogFunction:
    name: str  # the C function (or macro) name called at the site
    format_arg: int  # index of the format argument
    dialect: str  # one of DIALECTS
    priority_arg: int | None = None  # index of the priority argument, if it has one
    priority: str | None = None  # fixed priority when it has no priority argument
    line_arg: int | None = None  # index of an argument carrying __LINE__, if any
    # An inferred wrapper that writes its argument into a message of its own (analyze/logfuncs):
    embed: Template | None = None  # that message, a "message" hole where the argument goes
    embed_mode: str = ""  # "text": the argument is text; "format": a printf format, its arguments after it;
    #                       "none": no argument goes in (the helper only logs at its caller's __LINE__)
    via: str = ""  # file:line:col of the wrapper's own log call (a relay, not a message)
    file: str = ""  # an inferred static wrapper's file: only calls there are its (each TLS module has its elogf)
    facility_bits: tuple[FacilityBits, ...] = ()  # the priority's facility bits as the function reads them

    def bits_of(self, priority: int | None) -> FacilityBits | None:
        """The facility_bits entry a call's priority value selects (None when none does or the
        value is unknown); LOG_FACMASK is 0x3f8 (<syslog.h>)."""
        if priority is None:
            return None
        return next((b for b in self.facility_bits if priority & 0x3F8 == b.code), None)


@dataclass(frozen=True)
class Profile:
    name: str
    defines: tuple[tuple[str, str], ...] = ()  # (macro, value) pairs, in file order
    undefines: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()  # relative to the tree root
    stub_headers: tuple[tuple[str, str], ...] = ()  # (include name, content)
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    git: str | None  # upstream clone URL
    tag: str  # pattern such as "v{version}"; "{version:GLOB}" keeps the versions GLOB matches (sources/git.py)
    debian: str | None  # Debian source package name
    providers: tuple[str, ...]  # order in which providers are tried


@dataclass(frozen=True)
class OptionMapping:
    """One `[[options.map]]` entry: an option the source's tables do not show."""

    names: tuple[str, ...]  # `-x`/`--long` (command line) or a config key; the first is its name
    target: str  # the variable or `.field` it sets
    mask: int | None = None  # the bit it sets, when it sets one (else it assigns 1)
    takes_value: bool = False


@dataclass(frozen=True)
class OptionTable:
    """A struct whose array initializers are a command-line option table (`struct option`)."""

    fields: tuple[str, ...]  # the struct's first fields, in order: how its initializers are recognised
    name: str  # the field holding the long name (a string literal)
    value: tuple[str, ...]  # the fields holding the option's code: the first non-zero one wins
    has_arg: str  # the field saying whether the option takes an argument (non-zero: it does)
    optional: int | None = None  # the value of `has_arg` meaning the argument is optional


@dataclass(frozen=True)
class CodeTable:
    """A struct whose array initializers map option codes to the option bit each sets (dnsmasq's
    usage[] {opt, rept, ...}, read by one_opt's generic branch `set_option_bool(rept)`)."""

    fields: tuple[str, ...]  # the struct's first fields, in order
    code: str  # the field holding the option's code (as getopt returns it)
    bit: str  # the field holding the bit the option sets (values the setting call's guard rules out are markers)


@dataclass(frozen=True)
class BitArray:
    """Option bits kept in an array of words, tested as `field[i] & mask` (dnsmasq's
    option_bool(x): daemon->options[x / 32] & (1u << (x % 32))); f(BIT) of a bit_set function sets one."""

    field: str  # the array's field or variable name
    word_bits: int = 32  # bits per element


@dataclass(frozen=True)
class OptionRules:
    """The `[options]` section: how the project reads its command line and sets option bits."""

    bit_set: frozenset[str] = frozenset()  # functions called as f(BIT, &var) that set a bit
    bit_test: frozenset[str] = frozenset()  # ... that test one
    map: tuple[OptionMapping, ...] = ()
    getopt_calls: frozenset[str] = frozenset()  # calls returning the next option (getopt(3), popt(3))
    tables: tuple[OptionTable, ...] = ()  # option table structs ({name, has_arg, flag, val})
    code_tables: tuple[CodeTable, ...] = ()  # tables mapping option codes to bits
    bit_array: BitArray | None = None
    bit_clear: frozenset[str] = frozenset()  # functions called as f(BIT, &var) that clear a bit
    # option -> an option the daemon does not run without when given the first (it exits at
    # start-up: dnsmasq's `--dnssec` without a root `--trust-anchor`, dnsmasq.c's die("no root
    # trust anchor provided for DNSSEC")): a message needing the first needs the second too.
    implies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class KeyTable:
    """A struct whose array initializers are a configuration key table; the key is its first field."""

    fields: tuple[str, ...]  # the struct's first fields, in order
    destination: str = ""  # a field the code points at the value's home (`cv[3].destination = &s->x`)


@dataclass(frozen=True)
class ConfigRules:
    """The `[config]` section: how the project reads its configuration file's keys."""

    key_tables: tuple[KeyTable, ...] = ()
    key_switch: str = ""  # field a `switch` on the key's index in its table tests (`switch (cpv->k_id)`)
    case_comments: bool = False  # `case 0: /* ssl.engine */`: a case's comment names the key it reads
    false_values: tuple[str, ...] = ()  # values of a config key meaning off (`disable`), compared without case
    # fnmatch patterns of the functions giving config fields their defaults (lighttpd's
    # `mod_x_set_defaults()`): a field such a function sets to non-0/non-NULL is set without its key.
    defaults_functions: tuple[str, ...] = ()
    # Functions testing a config value for emptiness (lighttpd's `buffer_is_blank(b)`): the
    # value's buffer exists whether or not its key is given, so "not empty" means "key given".
    emptiness_tests: tuple[str, ...] = ()
    # Names of the variables holding a module's per-request context (lighttpd's `hctx`): a
    # function taking one, or code after a test that a local of that name is set, runs only
    # where its file created one (a call's result assigned to that name).
    contexts: tuple[str, ...] = ()
    selected: tuple["Selected", ...] = ()  # functions that run only when a key names them
    # A key holding named switches (lighttpd's `server.feature-flags`) and the functions reading
    # one by name with its default (`config_feature_bool(srv, "server.network-mptcp", 0)`).
    feature_key: str = ""
    feature_functions: tuple[str, ...] = ()
    # Functions installing a configuration keyword, called as f("keyword", handler, ...)
    # (keepalived's install_keyword in lib/parser.c): the handler runs only when the
    # configuration has the keyword, and what it writes is that keyword's value.
    keyword_calls: tuple[str, ...] = ()
    # How keywords nest in blocks (keepalived's lib/parser.c), each a list of function names:
    # `keyword_root_calls` (of keyword_calls) install a block keyword at the top level
    # (install_keyword_root), `keyword_level_calls` make the next keywords belong to the last
    # one installed (install_sublevel), `keyword_level_end_calls` go back a level
    # (install_sublevel_end), `keyword_end_handler_calls` register f(handler) run when the block
    # of the last keyword of the current level ends (install_level_end_handler). A keyword
    # installed inside a block needs the block's keyword too, and so does an end handler.
    keyword_root_calls: tuple[str, ...] = ()
    keyword_level_calls: tuple[str, ...] = ()
    keyword_level_end_calls: tuple[str, ...] = ()
    keyword_end_handler_calls: tuple[str, ...] = ()
    # Functions allocating memory (keepalived's zalloc() behind MALLOC): a struct whose every
    # allocation runs only under some keywords (alloc_vrrp() from vrrp_instance's handler) exists
    # only with them, and so code reading a field of one needs them (analyze.keywordobjects).
    allocation_calls: tuple[str, ...] = ()
    # Functions putting entries in a list, with the index of the argument naming the list's head
    # (keepalived's list_add_tail(&new->e_list, &vrrp_data->vrrp_track_processes): 1): a list
    # head field only keywords' handlers fill is non-empty only with them (analyze.keywords), which
    # a test of the rules' emptiness_tests (`!list_empty(&vrrp_data->vrrp_track_processes)`) reads.
    list_fills: tuple[tuple[str, int], ...] = ()
    parsed: tuple["Parsed", ...] = ()  # values the daemon parses at run time from keys' strings
    # Keys the configuration reader gives a value itself when the file has none (lighttpd
    # 1.4.19's config_read() inserts server.modules with the default modules): a test of how
    # full the key's field is tells nothing of whether the key was given.
    given_by_default: tuple[str, ...] = ()
    # Fields of a module's table whose function runs only for a request the module chose, and
    # the field choosing it (lighttpd's `handle_subrequest` runs only where the module set
    # `r->handler_module`): pointer field -> choosing field. The function needs what the
    # stores of a non-NULL value in the choosing field, in its own file, need.
    handler_selectors: tuple[tuple[str, str], ...] = ()
    # The member holding the name of an entry of a key's list (lighttpd's data_unset `key`:
    # cgi.limits = ("read-timeout" => 10)): a field a key's helper fills only under a test
    # comparing that name with a literal is set only with that entry (analyze.keyselections).
    entry_name_field: str = ""
    # Functions comparing a config value with a string, non-zero when equal (lighttpd's
    # `buffer_eq_slen(b, CONST_STR_LEN("/dev/stdin"))`): a test of a key's field so compared
    # with a literal needs the key given with that value (`server.bind=/dev/stdin`).
    equality_tests: tuple[str, ...] = ()
    # Blocks the daemon drops unless they have some keywords (keepalived's vs_end_handler frees a
    # `virtual_server` with no `real_server`): block keyword -> a formula of keywords
    # (`neighbor_ip || neighbour_ip`). Code run after the check needing the block needs them too
    # (analyze.keptblocks). The check is the block's end handler, during the parse, unless
    # `kept_checked_in` names the function whose false result stops the process (block -> name);
    # `kept_process` the child process that drops it (block -> process name): alternatives naming its start.
    kept_only_with: tuple[tuple[str, str], ...] = ()
    kept_checked_in: tuple[tuple[str, str], ...] = ()
    kept_process: tuple[tuple[str, str], ...] = ()
    # Later checks of a block, each with its own formula (`[[config.kept_checks]]`: block,
    # needs, checked_in): keepalived's vrrp_complete_instance() fails, after chk_min_cfg passed,
    # for a `vrrp_instance` with neither an interface nor a source address. (block, formula,
    # function names) each; code run after that check needing the block needs the formula.
    kept_checks: tuple[tuple[str, str, str], ...] = ()
    # Functions reading the configuration file's text (keepalived's init_data()): a message of
    # code only they run, logged only for text of some form (a line starting `~SEQ`), is said
    # to need that form in `uncertain` (analyze.configtext), and string_compares are the C
    # library's comparisons (zero when equal: strcmp) its tests of the text read.
    readers: tuple[str, ...] = ()
    string_compares: tuple[str, ...] = ()
    # The C library's string lengths (strlen(3)): `strlen(serv->domain) != 0` tests that the
    # string is non-empty (analyze.unsuretests).
    string_lengths: tuple[str, ...] = ()
    # The C library's string copies (strcpy(3): destination, source), appends (strcat(3)) and
    # calls only reading through their pointers (if_nametoindex(3)): what fills a char array
    # field and what only reads it (analyze.arraystores).
    string_copies: tuple[str, ...] = ()
    string_appends: tuple[str, ...] = ()
    pointer_reads: tuple[str, ...] = ()
    # Members of a condition block's struct that tell blocks apart (lighttpd's data_config `comp`:
    # `$SERVER["socket"]`, `$HTTP["host"]`): a message whose guards test one is logged only for
    # config set in some blocks, which srcscan says in `uncertain` (analyze.condblocks).
    condition_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    """A `[[config.parsed]]` entry: `variable` of the functions `functions` (fnmatch patterns)
    holds what the daemon parses at run time out of a key's string (lighttpd's listener
    address: `family` in network_server_init()). It is `default` without the keys, the value a
    key of `values` gives instead (server.use-ipv6: AF_INET6), and anything with a key of
    `given` (server.bind), but never one outside `domain` when that lists the values it can
    have at all. Values: integers, or strings (a C string's characters)."""

    functions: tuple[str, ...]
    variable: str
    default: int | str
    given: tuple[str, ...] = ()
    values: tuple[tuple[str, int | str], ...] = ()
    domain: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class Selected:
    """A `[[config.selected]]` entry: functions (fnmatch patterns) that run only when config
    key `key` has value `value` (lighttpd's auth.backend = "ldap" picks the backend whose
    handlers a module registered under that name); with `value` "", whenever the key or
    directive is given (an `include_shell` line runs config_parse_cmd()). `files` (fnmatch
    patterns of tree paths): every function defined there runs only then (a plugin's file whose
    code runs only once `server.modules` loads it: lighttpd's mod_gnutls.c). `also_keys`
    (fnmatch patterns of config keys): any key matching them, given, selects the functions too
    (lighttpd's config_warn_openssl_module() loads mod_openssl for any `ssl.*` key): a message
    naming such a key needs nothing more, any other needs `key=value` or one of those keys
    (analyze.contexts.loaded_by_keys)."""

    key: str
    value: str
    functions: tuple[str, ...]
    files: tuple[str, ...] = ()
    also_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoggingRules:
    """The `[logging]` section: where the log functions write by default."""

    destination: str = "syslog"  # "syslog", or the name of another destination ("errorlog")
    syslog_option: str = ""  # option that sends them to syslog instead ("" when always syslog)
    facility_option: str = ""  # option naming the facility directly ("" when none)
    # (option, facility) the daemon logs with when that option is given and facility_option is
    # not (dnsmasq's log.c: `else if (option_bool(OPT_DEBUG)) log_fac = LOG_LOCAL0;` for -d)
    facility_with: tuple[tuple[str, str], ...] = ()
    # Functions opening the destination: until the entry point has called one of them the log
    # functions write to `before_open` (lighttpd's srv->errh is stderr until
    # config_log_error_open()); `reset_by`: functions that undo the opening (a restart loop
    # calling them runs its code above the opening call before it again, setuporder)
    opened_by: tuple[str, ...] = ()
    before_open: str = ""
    reset_by: tuple[str, ...] = ()
    # (function, index of its stream argument): calls writing text to a stdio stream (fprintf(3),
    # vfprintf(3), fputs(3)); a log function writing its message to stderr in a mode writes
    # it there instead of syslog (analyze.streams)
    stream_writers: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Openlog:
    """The call that opens syslog: openlog(ident, option, facility) (openlog(3))."""

    name: str = ""
    ident_arg: int = 0
    facility_arg: int = 2


@dataclass(frozen=True)
class ProcessRules:
    """The `[processes]` section."""

    names: tuple[tuple[str, str], ...] = ()  # (name derived from the ident, name to use)
    fork_calls: frozenset[str] = frozenset()  # calls starting a child process (fork(2))
    openlog: Openlog = Openlog()
    # (function, process name): the function's fork(2) starts a child that writes through the
    # syslog connection it inherits, opening none of its own (processes.find_processes)
    children: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Idioms:
    """What the extractors look for in each parsed file, from the rules (picklable; part of
    the per-file facts cache key): a plain projection of Rules' sections."""

    getopt_calls: frozenset[str] = frozenset()
    option_tables: tuple[OptionTable, ...] = ()
    code_tables: tuple[CodeTable, ...] = ()
    key_tables: tuple[KeyTable, ...] = ()
    key_switch: str = ""
    case_comments: bool = False
    fork_calls: frozenset[str] = frozenset()
    openlog: Openlog = Openlog()
    noreturn: frozenset[str] = frozenset()  # the rules' [callgraph] noreturn
    # the rules' [callgraph] library_exits (the shared rules': exit(3), abort(3), ...); None: the
    # shared rules' own (extract.walk reads them), for an extraction given no rules
    library_exits: frozenset[str] | None = None

    def cache_key(self) -> str:
        """The same text in every run (sets sorted: their repr follows string hashing); rules
        without noreturn functions keep the key they had before that key existed."""
        key = repr((sorted(self.getopt_calls), self.option_tables, self.code_tables, self.key_tables, self.key_switch,
                    self.case_comments, sorted(self.fork_calls), self.openlog))
        key = key + repr(sorted(self.noreturn)) if self.noreturn else key
        return key + repr(("library_exits", sorted(self.library_exits))) if self.library_exits is not None else key


@dataclass(frozen=True)
class CallgraphRules:
    """The `[callgraph]` section."""

    entry_points: tuple[str, ...] = ()  # fnmatch patterns of functions run by name (dlsym)
    # Functions of other files that never return (declared `__attribute__((noreturn))`, which the
    # facts do not keep): a call of one ends its branch as exit() does (dnsmasq's die()).
    noreturn: tuple[str, ...] = ()
    # The C library's functions that never return (the shared rules': exit(3), abort(3),
    # pthread_exit(3), ...): a call of one ends its branch, an `if` ending in one is an early return.
    library_exits: tuple[str, ...] = ()
    # (function, macro): a C library header's macro calls the function (glibc's <assert.h>:
    # assert_perror() calls __assert_perror_fail()); the tree's own definition of it runs only
    # where the tree uses the macro (analyze.deadcode.never_called)
    library_macros: tuple[tuple[str, str], ...] = ()
    # A callback registered to run once a descriptor can be read (keepalived's
    # thread_add_read(master, func, arg, fd, ...)): function -> (callback argument, descriptor
    # argument); it runs only after a call of fd_writers wrote to that descriptor, when every
    # call handing it over is one of these three kinds (analyze.fdreads)
    fd_readers: tuple[tuple[str, tuple[int, int]], ...] = ()
    fd_writers: tuple[tuple[str, int], ...] = ()  # function -> the descriptor argument it writes to (write(2))
    fd_users: tuple[str, ...] = ()  # functions given a descriptor that do not write to it (read(2), close(2))
    fd_creators: tuple[str, ...] = ()  # functions returning a descriptor only the process's own writes fill (eventfd(2))
    # Library calls handed a struct's pointer that keep it without writing the object: a
    # callback's argument the library only hands back to the callback (OpenSSL's
    # SSL_CTX_set_client_hello_cb(3)); (function, argument index, constant) where the call
    # keeps it only with that constant there (SSL_CTX_ctrl's SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG,
    # SSL_CTX_set_tlsext_servername_arg's expansion), index -1 for any call (analyze.wholefills)
    library_keeps: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Rules:
    project: str
    path: str  # the file it was read from
    sha256: str  # hash of the file's bytes, recorded in every catalog
    source: Source
    log_functions: tuple[LogFunction, ...]
    infer_wrappers: bool
    profiles: tuple[Profile, ...]
    exclude: tuple[str, ...]  # glob patterns of tree paths not scanned (tests, contrib)
    options: OptionRules = OptionRules()
    logging: LoggingRules = LoggingRules()
    processes: ProcessRules = ProcessRules()
    callgraph: CallgraphRules = CallgraphRules()
    preprocessor: PreprocessorRules = PreprocessorRules()
    config: ConfigRules = ConfigRules()
    # Functions whose message text is assembled from their arguments (flag bits, constant
    # strings) in variables: each caller's call selects the text (analyze/builttext.py).
    text_builders: tuple[str, ...] = ()
    events: tuple[EventChannel, ...] = ()  # event codes sent to functions that log by them
    # The names the daemon's binary is started under (`[project] programs`; default: the project's
    # name): a test of argv[0] against another name is another program (analyze.progname).
    programs: tuple[str, ...] = ()

    def log_function(self, name: str) -> LogFunction | None:
        return next((f for f in self.log_functions if f.name == name), None)

    @property
    def idioms(self) -> Idioms:
        return Idioms(self.options.getopt_calls, self.options.tables, self.options.code_tables, self.config.key_tables,
                      self.config.key_switch,
                      self.config.case_comments, self.processes.fork_calls, self.processes.openlog,
                      frozenset(self.callgraph.noreturn), frozenset(self.callgraph.library_exits) or None)
