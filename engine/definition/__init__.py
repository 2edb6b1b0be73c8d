"""The pathway definition language: records, loading, validation, rendering, diffs and schema."""
