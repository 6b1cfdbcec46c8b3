"""Studies: experiment files, comparisons (seeds, tuning, targets) and their statistics."""
