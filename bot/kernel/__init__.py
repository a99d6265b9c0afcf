"""The shared kernel: the methodology as data, working days, the clock, scores, roles' rules. Pure: no aiogram, no SQLAlchemy."""
