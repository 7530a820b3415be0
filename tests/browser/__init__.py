"""Browser tests (a package, so that test module basenames may repeat those in tests/api)."""
