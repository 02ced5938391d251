"""Who may see and change a project.

- Administrators, PMO analysts, portfolio managers, resource managers and
  executives see every project of their organisation.
- Everyone else sees the projects they manage, sponsor or are a member of.
- Administrators, PMO analysts and portfolio managers change any project;
  a project manager changes the projects they manage (or are manager-members of).
- Nobody sees another organisation's projects: those are "not found".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from steerco.accounts.models import User
from steerco.core.access import (
    ANY_PROJECT_EDITORS,
    PROJECT_CREATORS,
    has_role,
    is_active_member,
    organisation_id_of,
    sees_whole_organisation,
)
from steerco.core.errors import AccessDenied, NotFound
from steerco.projects.models import BusinessCase, Project, ProjectMember, Task, TaskLink


def projects_visible_to(user: User) -> QuerySet[Project]:
    if not is_active_member(user):
        return Project.objects.none()
    projects = Project.objects.filter(organisation_id=organisation_id_of(user))
    if sees_whole_organisation(user):
        return projects
    # A sub-select rather than a join, so that the list needs no DISTINCT.
    member_of = ProjectMember.objects.filter(user=user).values("project_id")
    return projects.filter(Q(manager=user) | Q(sponsor=user) | Q(pk__in=member_of))


def can_edit_project(user: User, project: Project) -> bool:
    if not is_active_member(user) or project.organisation_id != user.organisation_id:
        return False
    if has_role(user, ANY_PROJECT_EDITORS):
        return True
    if project.manager_id == user.pk:
        return True
    return ProjectMember.objects.filter(
        project=project, user=user, role=ProjectMember.Role.MANAGER
    ).exists()


def access_project_by_id(user: User, project_id: int, *, for_edit: bool = False) -> Project:
    """The project, if ``user`` may see it (and change it, with ``for_edit``)."""
    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    if for_edit and not can_edit_project(user, project):
        raise AccessDenied("Only the project's manager or the PMO may change this project.")
    return project


def access_project_by_code(user: User, code: str, *, for_edit: bool = False) -> Project:
    project = projects_visible_to(user).filter(code=code).first()
    if project is None:
        raise NotFound(f"No project {code}.")
    return access_project_by_id(user, project.pk, for_edit=for_edit) if for_edit else project


def can_create_projects(user: User) -> bool:
    return has_role(user, PROJECT_CREATORS)


def access_business_case_by_id(
    user: User, business_case_id: int, *, for_edit: bool = False
) -> BusinessCase:
    """The business case, if ``user`` may see its project (and change it, with ``for_edit``)."""
    business_case = (
        BusinessCase.objects.select_related("project")
        .filter(pk=business_case_id, project__in=projects_visible_to(user))
        .first()
    )
    if business_case is None:
        raise NotFound(f"No business case {business_case_id}.")
    if for_edit and not can_edit_project(user, business_case.project):
        raise AccessDenied("Only the project's manager or the PMO may change this business case.")
    return business_case


def access_task_by_id(user: User, task_id: int, *, for_edit: bool = False) -> Task:
    """The task, if ``user`` may see its project (and change it, with ``for_edit``)."""
    task = (
        Task.objects.select_related("project")
        .filter(pk=task_id, project__in=projects_visible_to(user))
        .first()
    )
    if task is None:
        raise NotFound(f"No task {task_id}.")
    if for_edit and not can_edit_project(user, task.project):
        raise AccessDenied("Only the project's manager or the PMO may change this schedule.")
    return task


def access_link_by_id(user: User, link_id: int, *, for_edit: bool = False) -> TaskLink:
    """The task link, if ``user`` may see its project (and change it, with ``for_edit``)."""
    link = (
        TaskLink.objects.select_related("project", "predecessor", "successor")
        .filter(pk=link_id, project__in=projects_visible_to(user))
        .first()
    )
    if link is None:
        raise NotFound(f"No task link {link_id}.")
    if for_edit and not can_edit_project(user, link.project):
        raise AccessDenied("Only the project's manager or the PMO may change this schedule.")
    return link
