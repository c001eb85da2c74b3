"""Which Debian package provides a library header a tree includes: what to install so that a
file srcscan could only parse with errors (the header missing, stubbed empty) parses cleanly.

Facts from Debian 12 (bookworm) package contents (packages.debian.org, "search the contents
of packages"), for the optional libraries keepalived and lighttpd use and other common ones;
a header not listed is named without a package. Pure data and lookups; no I/O.
"""

from __future__ import annotations

# Include name, or a directory prefix ending in "/", -> the -dev package that installs it.
DEV_PACKAGES: dict[str, str] = {
    "pcre2.h": "libpcre2-dev", "pcre.h": "libpcre3-dev",
    "lua.h": "liblua5.4-dev", "lualib.h": "liblua5.4-dev", "lauxlib.h": "liblua5.4-dev",
    "ldap.h": "libldap-dev", "mysql.h": "libmariadb-dev-compat", "libpq-fe.h": "libpq-dev", "dbi/": "libdbi-dev",
    "gssapi.h": "libkrb5-dev", "gssapi/": "libkrb5-dev", "krb5.h": "libkrb5-dev",
    "security/pam_appl.h": "libpam0g-dev", "sasl/": "libsasl2-dev", "maxminddb.h": "libmaxminddb-dev",
    "mbedtls/": "libmbedtls-dev", "wolfssl/": "libwolfssl-dev", "nss3/": "libnss3-dev", "nss/": "libnss3-dev",
    "nspr4/": "libnspr4-dev", "glib.h": "libglib2.0-dev", "gio/": "libglib2.0-dev",
    "libnftnl/": "libnftnl-dev", "libmnl/": "libmnl-dev", "libipset/": "libipset-dev",
    "libiptc/": "libip4tc-dev", "net-snmp/": "libsnmp-dev", "netlink/": "libnl-genl-3-dev",
    "systemd/": "libsystemd-dev", "libkmod.h": "libkmod-dev", "NetworkManager.h": "libnm-dev",
    "zstd.h": "libzstd-dev", "xxhash.h": "libxxhash-dev", "libdeflate.h": "libdeflate-dev",
    "libxml/": "libxml2-dev", "attr/attributes.h": "libattr1-dev", "libunwind.h": "libunwind-dev",
    "zlib.h": "zlib1g-dev", "bzlib.h": "libbz2-dev", "openssl/": "libssl-dev", "uuid/uuid.h": "uuid-dev",
}


def dev_package(include: str) -> str | None:
    """The package providing `include` (`pcre2.h`, `mbedtls/ssl.h`), or None when unknown."""
    if include in DEV_PACKAGES:
        return DEV_PACKAGES[include]
    return next((pkg for prefix, pkg in DEV_PACKAGES.items() if prefix.endswith("/") and include.startswith(prefix)),
                None)
