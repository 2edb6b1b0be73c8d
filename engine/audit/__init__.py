"""The decision trail: append-only, hash-chained events (chain.py), and queries over them."""
