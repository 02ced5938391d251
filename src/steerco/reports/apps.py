from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "steerco.reports"
    label = "reports"
