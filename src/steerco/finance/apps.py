from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "steerco.finance"
    label = "finance"
