"""From a file to passages: format readers (`parsers`), assembly with header metadata and
section structure, then chunking into citable passages."""
