from django import forms
from django.contrib.auth.forms import AuthenticationForm

from board.text import is_blank, strip_invisible

from . import limits
from .models import DEFAULT_SECTORS, RETENTION_LIMIT, distinct_sectors, normalise_code, sector_key


def _lines(text, limit, what):
    # Zero-width characters at either end too: "NHS\u200b" would be a second sector that reads "NHS",
    # splitting the NHS's people in two (each perhaps too small for the lens to show).
    items = [strip_invisible(line.strip()).strip() for line in (text or "").splitlines()]
    items = [item for item in items if item and not is_blank(item)]
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
        help_text=(
            "One per line. A sector with fewer than 3 participants is not shown apart in counts by sector "
            "(the lens, presence, the report), so nobody is picked out: fewer, larger sectors show more. "
            "Settings can change the 3 after the inquiry is made."
        ),
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


class SettingsForm(forms.Form):
    """What a facilitator can change about an inquiry once it has started: its title and framing question,
    whether names show, the lens's smallest group, and its sectors (each renamed in place, a new one added,
    one nobody chose removed)."""

    title = forms.CharField(max_length=200)
    question = InquiryForm.base_fields["question"]
    show_names = InquiryForm.base_fields["show_names"]
    k_threshold = forms.IntegerField(
        label="Smallest group shown on its own",
        min_value=1,
        max_value=50,
        help_text=(
            "A sector with fewer participants than this is not shown apart in the sector lens, presence or "
            "the report (counted with the other small sectors), so nobody is picked out. 3 unless you need "
            "more."
        ),
    )
    new_sectors = forms.CharField(
        label="Add sectors",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line. People who join from now on can choose them.",
    )

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.sectors = list(inquiry.sectors)
        for i, sector in enumerate(self.sectors):
            self.fields[f"sector_{i}"] = forms.CharField(
                label=f"Sector {i + 1}",
                max_length=100,
                required=False,
                initial=sector,
            )
        self.order_fields(["title", "question", "show_names", "k_threshold"])

    def sector_fields(self):
        return [self[f"sector_{i}"] for i in range(len(self.sectors))]

    def other_fields(self):
        return [self[name] for name in ("title", "question", "show_names", "k_threshold")]

    def new_sectors_only(self):
        return [self["new_sectors"]]

    def clean_title(self):
        return strip_invisible(self.cleaned_data["title"]).strip()

    def clean(self):
        cleaned = super().clean()
        renamed = [
            (old, " ".join(strip_invisible(cleaned.get(f"sector_{i}") or "").split()))
            for i, old in enumerate(self.sectors)
        ]
        try:
            added = _lines(cleaned.get("new_sectors"), 100, "sector")
        except forms.ValidationError as error:
            self.add_error("new_sectors", error)
            return cleaned
        names = [new for _, new in renamed if new] + added
        if not names:
            raise forms.ValidationError("Keep at least one sector.")
        seen = {}
        for name in names:
            if sector_key(name) in seen:
                raise forms.ValidationError(f"“{name}” is listed twice: each sector once.")
            seen[sector_key(name)] = name
        # (old name, new name): a rename, or ("", new) an addition, or (old, "") a removal.
        cleaned["sector_plan"] = renamed + [("", name) for name in added]
        return cleaned


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
    sector = forms.ChoiceField(
        label="Your sector",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your sector: the room sees it with your contributions."},
    )

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [(s, s) for s in inquiry.sectors]
        if not inquiry.show_names:
            self.fields["display_name"].help_text = (
                "This inquiry is anonymous: the room never sees your name with your contributions. "
                "Only the facilitators may (when they review a post held back), and the people you "
                "choose to share your contact with at the end."
            )

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
