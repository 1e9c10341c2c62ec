from django import forms
from django.contrib.auth import get_user_model, password_validation

User = get_user_model()


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the new facilitator",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    admin = forms.BooleanField(
        label="Make them an admin too (they can invite, suspend and remove facilitators)", required=False
    )


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        label="Choose a username",
        max_length=150,
        validators=[User.username_validator],
        help_text="Letters, digits and @ . + - _ only. You log in with it.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken. Choose another.")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(username=cleaned.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
    )


class FirstCodeForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code your app shows",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class OrganisationForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label="Require two-factor sign-in for every facilitator who signs in with a password",
        required=False,
        help_text="Anyone without an authenticator app set up is asked to set one up the next time "
        "they open a page. Accounts that sign in with your organisation rely on its own MFA.",
    )
