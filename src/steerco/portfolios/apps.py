from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "steerco.portfolios"
    label = "portfolios"
