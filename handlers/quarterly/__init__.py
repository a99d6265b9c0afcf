"""Telegram handlers of the quarterly evaluation: evaluators' sheets and HR's uploads."""
