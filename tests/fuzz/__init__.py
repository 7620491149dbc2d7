"""Feed-level fuzzing of the nightly run (issue 14, "How to prove it": a feed-level fuzzer)."""
