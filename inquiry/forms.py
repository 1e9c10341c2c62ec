from django import forms
from django.contrib.auth.forms import AuthenticationForm

from board.text import is_blank, strip_invisible

from . import limits
from .models import DEFAULT_SECTORS, RETENTION_LIMIT, distinct_sectors, normalise_code


def _lines(text, limit, what):
    items = [line.strip() for line in (text or "").splitlines() if line.strip()]
    too_long = [item for item in items if len(item) > limit]
    if too_long:
        raise forms.ValidationError(f"Each {what} can be at most {limit} characters.")
    return items


class InquiryForm(forms.Form):
    title = forms.CharField(max_length=200)
    question = forms.CharField(
        label="Framing question",
        max_length=500,
        help_text=(
            "The question the whole inquiry explores, e.g. "
            "“How might health and care wrap around each resident?”"
        ),
    )
    rounds = forms.CharField(
        label="Rounds",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One question per line, in order. Leave empty for a single round on the framing question.",
    )
    sectors = forms.CharField(
        label="Sectors participants choose from",
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="\n".join(DEFAULT_SECTORS),
        help_text="One per line.",
    )
    show_names = forms.BooleanField(
        label="Show participants' names on their contributions",
        required=False,
        help_text="Leave unticked and everyone is anonymous.",
    )

    def clean_rounds(self):
        return _lines(self.cleaned_data["rounds"], 500, "round question")

    def clean_sectors(self):
        sectors = distinct_sectors(_lines(self.cleaned_data["sectors"], 100, "sector"))
        if not sectors:
            raise forms.ValidationError("List at least one sector.")
        return sectors


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class JoinForm(forms.Form):
    display_name = forms.CharField(
        label="Your name (optional)",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    sector = forms.ChoiceField(label="Your sector", widget=forms.RadioSelect)

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [(s, s) for s in inquiry.sectors]
        if not inquiry.show_names:
            self.fields[
                "display_name"
            ].help_text = "This inquiry is anonymous: your name is not shown with your contributions."

    def clean_display_name(self):
        # A name of zero-width characters would show as a blank where a name should be.
        name = self.cleaned_data["display_name"]
        return "" if is_blank(name) else strip_invisible(name)


class CofacilitatorForm(forms.Form):
    username = forms.CharField(label="Username of the co-facilitator", max_length=150)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form with the login throttle (inquiry.limits): an attempt over a limit is refused
    before the password is checked (``limited`` says why), a wrong one is counted, a right one clears
    this address's count for the account. Any login view can use it."""

    limited = None

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        self.limited = limits.login_refusal(self.request, username)
        if self.limited is not None:
            raise forms.ValidationError(self.limited.message, code="rate_limited")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            limits.login_failed(self.request, username)
            raise
        limits.login_succeeded(self.request, username)
        return cleaned


class RetentionForm(forms.Form):
    days = forms.IntegerField(
        label="Delete everything in this inquiry this many days after it closes",
        min_value=0,
        max_value=RETENTION_LIMIT,
        required=False,
        help_text="Leave empty to keep it until a facilitator deletes it. 0: at the next daily purge.",
    )


class DeleteForm(forms.Form):
    confirm = forms.CharField(label="Type the inquiry's join code to confirm", max_length=20)

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.inquiry = inquiry

    def clean_confirm(self):
        if normalise_code(self.cleaned_data["confirm"]) != self.inquiry.code:
            raise forms.ValidationError(f"Type the join code, {self.inquiry.code}, to confirm.")
        return self.cleaned_data["confirm"]
