"""The quarterly evaluation: KPI and differentiation sheets, work plans, uploads, results, appeals."""
