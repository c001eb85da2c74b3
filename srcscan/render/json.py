"""Catalog -> JSON text (sorted keys, stable indentation)."""

from __future__ import annotations

import json
from typing import Any

from srcscan.catalog import Catalog, catalog_to_dict


def render_json(catalog: Catalog, sids: dict[str, str] | None = None, with_options: tuple[str, ...] = ()) -> str:
    """The catalog as JSON; `sids` (catalog id -> stable id, from a history index that holds
    this release) adds each message's `sid`; `run` records how it was asked for: the `--with`
    options (each OPTION or OPTION=VALUE, as given) and the source provider used."""
    data = catalog_to_dict(catalog)
    data["run"] = run_header(catalog, with_options)
    for m in data["messages"] if sids else ():
        if m["id"] in sids:
            m["sid"] = sids[m["id"]]
    return dump(data)


def run_header(catalog: Catalog, with_options: tuple[str, ...] = ()) -> dict[str, Any]:
    """{"with": [...], "provider": "git"|"debian"|"path"}: what the Markdown header says in prose."""
    return {"with": list(with_options), "provider": catalog.provenance.provider}


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
