"""srcscan: read a C daemon's source and catalog every message it can log."""

__version__ = "0.1.0"
