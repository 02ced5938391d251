from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "steerco.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Each app declares its job kinds in job_handlers.py.
        autodiscover_modules("job_handlers")
