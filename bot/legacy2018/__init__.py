"""The 2018 method: a year's plans, KPI and competency sheets, its commission and forms."""
