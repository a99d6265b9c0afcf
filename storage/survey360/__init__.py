"""The 360's tables: rounds, sealed drafts and ballots, tallies."""
