from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "steerco.api"
    label = "api"
