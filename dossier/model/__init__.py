"""The bottom layer: what a record is (``person``), its ids and dates, and the
rules every command applies to records (``rules``). Imports nothing above it."""
