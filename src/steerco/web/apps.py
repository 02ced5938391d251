from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "steerco.web"
    label = "web"
