"""Catalog -> JSON text (sorted keys, stable indentation)."""

from __future__ import annotations

import json
from typing import Any

from srcscan.catalog import Catalog, catalog_to_dict


def render_json(catalog: Catalog, sids: dict[str, str] | None = None) -> str:
    """The catalog as JSON; `sids` (catalog id -> stable id, from a history index that holds
    this release) adds each message's `sid`."""
    data = catalog_to_dict(catalog)
    for m in data["messages"] if sids else ():
        if m["id"] in sids:
            m["sid"] = sids[m["id"]]
    return dump(data)


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
