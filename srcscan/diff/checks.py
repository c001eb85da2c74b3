"""Checks taken into a new helper that one call now makes: the old function tested several
calls one by one, each failure with its own message; the new one calls a helper making those
calls and writes one message when it fails.

    lighttpd 1.4.69, network_init_ssl() (OpenSSL < 1.0.2):
        if (1 != SSL_CTX_use_certificate_chain_file(...)) { log_error(..., "SSL: %s %s", ...); ... }
        if (1 != SSL_CTX_use_PrivateKey(...)) { log_error(..., "SSL: %s %s %s", ...); ... }
        if (SSL_CTX_check_private_key(s->ssl_ctx) != 1) { log_error(..., "SSL: Private key does not match ..."); ... }
    1.4.79: mod_openssl_SSL_CTX_use_cert_and_key() makes the three calls:
        if (1 != mod_openssl_SSL_CTX_use_cert_and_key(s->ssl_ctx, s->pc, s->pc->kp)) {
            log_error(..., "SSL: %s %s %s", ...); ... }

The three old messages are one merge into the new one ("checks"), not two removed and one
changed. The pass takes what the earlier ones left; see srcscan.diff.passes."""

from __future__ import annotations

import re
from collections import defaultdict

from srcscan.catalog import Message
from srcscan.diff.model import Merge
from srcscan.diff.text import _CALL, _NOT_CALLS, _first_word, _function_span, _text


class _CheckPasses:
    """Mixed into srcscan.diff.passes._Matcher (self.olds, self.pairs, self.all_news, self.texts)."""

    def _checks_into_helper(self) -> list[Merge]:
        """Old messages left over whose innermost test calls a function that a new helper of
        their file calls, where a message of their function, with their first word, is written
        when that helper's call in its innermost test fails: merged into that message."""
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            if a.dynamic or not a.conditions:
                continue
            for b in self.all_news:
                if b.file == a.file and b.function == a.function and b.conditions and not b.dynamic \
                        and _first_word(_text(a)) == _first_word(_text(b)) != "" \
                        and _called(a.conditions[-1]) & self._helpers_calls(b.file, b.conditions[-1]):
                    into.setdefault(id(b), (b, []))[1].append(a)
                    break
        merges = [Merge(tuple(olds), b, "checks") for b, olds in into.values()]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return self._with_partners(merges)

    def _helpers_calls(self, file: str, guard: str) -> set[str]:
        """What the new helpers `guard` calls (functions the new text of `file` defines and
        the old one does not) call themselves."""
        texts = [self.texts(side, file) if self.texts is not None else None for side in ("old", "new")]
        if not texts[0] or not texts[1]:
            return set()
        old_lines, new_lines = texts[0].split("\n"), texts[1].split("\n")
        out: set[str] = set()
        for name in _called(guard):
            span = _function_span(new_lines, name)
            if span is not None and _function_span(old_lines, name) is None:
                out |= _called("\n".join(new_lines[span[0]: span[1]])) - {name}
        return out


def _called(text: str) -> set[str]:
    return {m.group(1) for m in _CALL.finditer(text) if m.group(1) not in _NOT_CALLS}
