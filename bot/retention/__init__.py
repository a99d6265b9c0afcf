"""Keeping evaluation records for their period (clause 14), then purging them."""
