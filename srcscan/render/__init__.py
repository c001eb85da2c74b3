"""Renderers: a finished Catalog (or diff) in, text out. No I/O here."""
