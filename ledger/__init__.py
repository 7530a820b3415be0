"""The gold lot ledger's pure core: canonical bytes, keys, entries, chain, rules and proofs.

Nothing in this package imports Flask, SQLAlchemy or ``app``; a jeweller can verify a
provenance bundle with this package and ``cryptography`` + ``rfc8785`` alone.
"""
