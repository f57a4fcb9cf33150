"""The collector runtime: one job per source, scheduled, fenced by a leader lock, writing to the store."""
