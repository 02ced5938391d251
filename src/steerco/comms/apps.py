from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "steerco.comms"
    label = "comms"
