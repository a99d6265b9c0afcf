"""Deadlines that keep themselves: reminders, HR's digest and alerts, /deadlines."""
