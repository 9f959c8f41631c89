"""The staff area's forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from ...i18n import N_
from ...store.casework import STAFF_STATUSES

STATUS_LABELS = {"new": N_("New"), "contacted": N_("Contacted"), "booked": N_("Booked"),
                 "not_now": N_("Not now"), "referred_elsewhere": N_("Referred elsewhere"),
                 "closed": N_("Closed"), "withdrawn": N_("Withdrawn")}
STATUS_CHOICES = [SelectChoice(str(s), lazy_gettext(STATUS_LABELS[str(s)]))  # type: ignore[arg-type]
                  for s in STAFF_STATUSES]


class SignInForm(FlaskForm):
    email = StringField(N_("Email"), validators=[DataRequired("Enter your email."),
                                             Length(max=254)])
    password = PasswordField(N_("Password"), validators=[DataRequired("Enter your password."),
                                                     Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(N_("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired("Enter the code."), Length(max=40)])


class SetupForm(FlaskForm):
    password = PasswordField(N_("New password"), validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(N_("The same password again"),
                            validators=[DataRequired("Type the password again.")])
    code = StringField(N_("The 6-digit code your app shows now"),
                       validators=[DataRequired("Enter the code from your app.")])


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES)


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[DataRequired("Write the note first."),
                                             Length(max=2000)])


class WithdrawForm(FlaskForm):
    confirm = BooleanField(N_("The caller asked to withdraw: erase their answers and details"),
                           validators=[DataRequired("Tick the box to confirm.")])


class AccountForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired("Enter an email."), Length(max=254)])
    role = SelectField("Role", choices=[
        SelectChoice("nurse", lazy_gettext("Nurse")),  # type: ignore[arg-type]
        SelectChoice("admin", lazy_gettext("Admin"))])  # type: ignore[arg-type]


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class LanguageForm(FlaskForm):
    """The staff member's language: the staff pages and the guidance they read."""

    language = StringField("Language", validators=[DataRequired(), Length(max=16)])
