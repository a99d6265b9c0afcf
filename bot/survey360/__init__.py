"""The anonymous 360: rounds, questionnaires, progress, results, the report, its radar chart and workbook."""
