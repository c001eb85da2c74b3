"""Which macros a tree's build files can write into config.h, read from their text (nothing is
run), and where a rules file's build profile and those files part: a macro the tree tests and
a build file can define that the profile leaves undecided, or one the profile defines that no
build file of this release can define.

    AC_CHECK_HEADERS([sys/un.h])        configure.ac   HAVE_SYS_UN_H
    AC_CHECK_FUNCS([splice])                           HAVE_SPLICE
    AC_CHECK_DECLS([RTA_VIA])                          HAVE_DECL_RTA_VIA
    AC_DEFINE([_WITH_VRRP_], [1])                      _WITH_VRRP_
    conf_data.set('HAVE_ZSTD', true)    meson.build    HAVE_ZSTD
    check_include_files(sys/un.h HAVE_SYS_UN_H)  CMakeLists.txt

The names are what autoconf, meson and CMake would define if every check succeeded: which
ones a given build has is the rules file's to say (its comment names the distribution's build
options). Pure text in, names out; no knowledge of any one daemon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from srcscan.preprocessor.macros import TreeMacros

# The names of a tree's build files (last path component) this module reads.
BUILD_FILES = ("configure.ac", "configure.in", "meson.build", "CMakeLists.txt")

# autoconf's AC_INCLUDES_DEFAULT, checked by every configure (autoconf 2.70 on; older ones
# check the same headers but stdio.h with AC_PROG_CC's first test).
_DEFAULT_INCLUDES = ("HAVE_STDIO_H", "HAVE_STDLIB_H", "HAVE_STRING_H", "HAVE_INTTYPES_H", "HAVE_STDINT_H",
                     "HAVE_STRINGS_H", "HAVE_SYS_STAT_H", "HAVE_SYS_TYPES_H", "HAVE_UNISTD_H")

_AC_LISTS = {  # macro -> (prefix, separator of its list)
    "AC_CHECK_HEADERS": ("HAVE_", None), "AC_CHECK_HEADERS_ONCE": ("HAVE_", None), "AC_CHECK_HEADER": ("HAVE_", None),
    "AC_CHECK_FUNCS": ("HAVE_", None), "AC_CHECK_FUNCS_ONCE": ("HAVE_", None), "AC_CHECK_FUNC": ("HAVE_", None),
    "AC_CHECK_DECLS": ("HAVE_DECL_", ","), "AC_CHECK_DECLS_ONCE": ("HAVE_DECL_", ","), "AC_CHECK_DECL": ("HAVE_DECL_", ","),
    "AC_CHECK_TYPES": ("HAVE_", ","), "AC_CHECK_MEMBERS": ("HAVE_", ","), "AC_CHECK_MEMBER": ("HAVE_", ","),
    "AC_CHECK_LIB": ("HAVE_LIB", ","),
}
# the first argument: quoted ([a.h b.h], to its `]`) or bare (to the first `,` or `)`)
_AC_LIST = re.compile(r"\b(" + "|".join(sorted(_AC_LISTS, key=len, reverse=True)) + r")\s*\(\s*(?:\[([^\]]*)\]|([^,\)]*))")
_AC_DEFINE = re.compile(r"\bAC_DEFINE(?:_UNQUOTED)?\s*\(\s*\[?\s*([A-Za-z_]\w*)")
_MESON_SET = re.compile(r"\.set(?:10|_quoted)?\s*\(\s*'([A-Za-z_]\w*)'")
_CMAKE_CHECK = re.compile(r"\b(?:check_\w+|CHECK_\w+)\s*\(([^)]*)\)")
_CMAKE_DEFINE = re.compile(r"#\s*cmakedefine(?:01)?\s+([A-Za-z_]\w*)")
_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def cpp_name(word: str) -> str:
    """autoconf's AS_TR_CPP: `sys/un.h` -> `SYS_UN_H`, `struct tm.tm_gmtoff` -> `STRUCT_TM_TM_GMTOFF`."""
    return re.sub(r"[^A-Za-z0-9]", "_", word.strip()).upper()


def autoconf_macros(text: str) -> set[str]:
    """Macros configure.ac (or configure.in) can define: its AC_CHECK_* results, AC_DEFINEs,
    AC_INCLUDES_DEFAULT's headers and HAVE_CONFIG_H. A name given through a shell variable
    (`$headers`) is skipped."""
    out = set(_DEFAULT_INCLUDES) if "AC_INIT" in text else set()
    if "AC_HEADER_SYS_WAIT" in text:
        out.add("HAVE_SYS_WAIT_H")
    if re.search(r"\bA[CM]_CONFIG_HEADERS?\b", text):
        out.add("HAVE_CONFIG_H")  # automake compiles with -DHAVE_CONFIG_H where there is a config.h
    for m in _AC_LIST.finditer(text):
        prefix, sep = _AC_LISTS[m.group(1)]
        words = (m.group(2) if m.group(2) is not None else m.group(3)).replace("\\\n", " ")
        items = words.split(sep)[:1] if m.group(1) == "AC_CHECK_LIB" else words.split(sep)
        for item in items:
            for word in ([item] if sep else item.split()):
                if word.strip() and "$" not in word:
                    out.add(prefix + cpp_name(word))
    out.update(m.group(1) for m in _AC_DEFINE.finditer(text))
    return out


def meson_macros(text: str) -> set[str]:
    """Names meson.build writes into its configuration data with a literal name (`.set('HAVE_X', ...)`)."""
    return {m.group(1) for m in _MESON_SET.finditer(text)}


def cmake_macros(text: str) -> set[str]:
    """Result variables of CMake's check_* calls (the last upper-case argument) and `#cmakedefine` names."""
    out = {m.group(1) for m in _CMAKE_DEFINE.finditer(text)}
    for m in _CMAKE_CHECK.finditer(text):
        names = [w for w in m.group(1).split() if _NAME.fullmatch(w)]
        if names:
            out.add(names[-1])
    return out


def build_file_macros(texts: Mapping[str, str]) -> frozenset[str]:
    """Every macro the build files among `texts` (tree-relative path -> text) can define; files
    whose name is not one of BUILD_FILES are left out."""
    readers = {"configure.ac": autoconf_macros, "configure.in": autoconf_macros, "meson.build": meson_macros,
               "CMakeLists.txt": cmake_macros}
    out: set[str] = set()
    for rel, text in texts.items():
        reader = readers.get(rel.rsplit("/", 1)[-1])
        if reader:
            out |= reader(text)
    return frozenset(out)


@dataclass(frozen=True)
class ProfileGaps:
    """Where a build profile and the build files of one release part (names sorted)."""

    undecided: tuple[str, ...]  # tested by the tree, definable by a build file, neither -D nor -U in the profile
    unbacked: tuple[str, ...]  # tested by the tree, -D in the profile, defined by no build file and no #define


def profile_gaps(tree: TreeMacros, detectable: Iterable[str], defines: Iterable[str], undefines: Iterable[str],
                 settled: Iterable[str] = ()) -> ProfileGaps:
    """Compare a profile (`defines`, `undefines`: macro names) with what the release's build files
    can define (`detectable`, from build_file_macros). Macros the tree defines itself are the
    preprocessor's business and `settled` (names the rules file's [preprocessor] never lists,
    say) are left out of both lists."""
    known = set(detectable)
    defined, skip = set(defines), set(undefines) | set(settled) | set(tree.defs)
    tested = set(tree.tested)
    return ProfileGaps(
        undecided=tuple(sorted(n for n in tested & known if n not in defined and n not in skip)),
        unbacked=tuple(sorted(n for n in tested & defined if n not in known and n not in skip)))
