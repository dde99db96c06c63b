"""Forms of the accounts and admin pages (every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.auth import MIN_PASSWORD_LENGTH, Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me signed in")


class InviteUserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    roles = CheckboxesField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Pick at least one role.")]
    )


class UserRolesForm(FlaskForm):
    roles = CheckboxesField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Pick at least one role.")]
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat it", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )


class ConfirmForm(FlaskForm):
    """An empty form for POST-only actions: it carries the CSRF token."""
