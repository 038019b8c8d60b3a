"""The performance bench (`make bench`, docs/performance.md); not part of the tests."""
