"""Each staff guard does what its name says by itself: ``admin_only`` refuses anyone but an
administrator even on a view the area's own guard would let through."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_login import UserMixin, login_user
from werkzeug.exceptions import Forbidden

from screener.web.staff import admin_only


class Someone(UserMixin):
    def __init__(self, admin: bool) -> None:
        self.is_admin = admin

    def get_id(self) -> str:
        return "someone"


@pytest.mark.parametrize("admin", [False, True])
def test_admin_only_checks_the_role_itself(staff_app, admin):
    ran = []
    view = admin_only(lambda: ran.append(True) or "done")
    with staff_app.test_request_context("/not-the-staff-area"):
        login_user(Someone(admin))
        if admin:
            assert view() == "done" and ran == [True]
        else:
            with pytest.raises(Forbidden):
                view()
            assert ran == []


def test_admin_only_refuses_someone_not_signed_in(staff_app):
    view = admin_only(lambda: "done")
    with staff_app.test_request_context("/not-the-staff-area"), pytest.raises(Forbidden):
        view()


def test_every_blueprint_is_registered_once_by_the_web_package(app):
    assert set(app.blueprints) == {"ops", "patient", "intake", "api", "fhir", "handoff",
                                   "info", "staff", "watch", "timeout", "saving"}


def test_blueprints_are_registered_in_one_place():
    import screener

    package = Path(screener.__file__).parent
    places = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                    if ".register_blueprint(" in path.read_text(encoding="utf-8"))
    assert places == ["web/__init__.py"]
