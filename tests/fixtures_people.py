"""Organisations and one user per role, shared by the Django tests."""

from __future__ import annotations

from dataclasses import dataclass

from steerco.accounts.models import Organisation, Role, User

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Org:
    organisation: Organisation
    users: dict[str, User]

    def user(self, role: str) -> User:
        return self.users[role]


def make_org(code: str = "ACME", name: str = "Acme Corporation") -> Org:
    organisation = Organisation.objects.create(code=code, name=name, currency="EUR")
    users = {
        role.value: User.objects.create_user(
            username=f"{code.lower()}-{role.value}",
            password=PASSWORD,
            organisation=organisation,
            role=role.value,
            first_name=role.label.split()[0],
            last_name=code.title(),
        )
        for role in Role
    }
    return Org(organisation, users)
