"""Catalog -> JSON text (sorted keys, stable indentation)."""

from __future__ import annotations

import json
from typing import Any

from srcscan.catalog import Catalog, catalog_to_dict


def render_json(catalog: Catalog) -> str:
    return dump(catalog_to_dict(catalog))


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
