"""Whole-tree analyses: networkx and plain data in, results out, no I/O."""
