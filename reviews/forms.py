from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from .models import SUB_RATINGS, ConcernReason, ConcernReport, Review, Testimonial

OLDEST_TREATMENT_YEARS = 30
MAX_INVITES_PER_FORM = 20
STARS = [(1, "1 – very poor"), (2, "2 – poor"), (3, "3 – fair"), (4, "4 – good"), (5, "5 – excellent")]
SHORT_STARS = [("", "Not sure"), (1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "YYYY-MM", **(attrs or {})}, format="%Y-%m")


class MonthField(forms.DateField):
    """A month and year, stored as the first day of that month."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


def rating_field(label: str, *, required: bool) -> forms.TypedChoiceField:
    choices = STARS if required else SHORT_STARS
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect(attrs={"class": "stars"}),
    )


class ReviewForm(forms.ModelForm):
    rating = rating_field("Overall, how happy are you?", required=True)
    rating_naturalness = rating_field(SUB_RATINGS["rating_naturalness"], required=False)
    rating_hygiene = rating_field(SUB_RATINGS["rating_hygiene"], required=False)
    rating_consultation = rating_field(SUB_RATINGS["rating_consultation"], required=False)
    rating_aftercare = rating_field(SUB_RATINGS["rating_aftercare"], required=False)
    rating_comfort = rating_field(SUB_RATINGS["rating_comfort"], required=False)
    treatment_month = MonthField(
        label="When were you treated?",
        help_text="Month and year of your last session, e.g. 2025-03.",
    )
    result_healed = forms.TypedChoiceField(
        label="Is the result you describe healed?",
        choices=[
            ("yes", "Yes, it has healed (usually a month or more after the last session)"),
            ("no", "No, it is still fresh"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    own_experience = forms.BooleanField(
        label="This is my own treatment, and nobody paid me or gave me anything for this review.",
    )

    class Meta:
        model = Review
        fields = [
            "rating",
            "rating_naturalness",
            "rating_hygiene",
            "rating_consultation",
            "rating_aftercare",
            "rating_comfort",
            "text",
            "treatment_month",
            "result_healed",
            "author_name",
            "author_email",
        ]
        labels = {
            "text": "Your review",
            "author_name": "Your name as shown with the review",
            "author_email": "Your e-mail address",
        }
        help_texts = {
            "text": "What happened at the consultation and the sessions, and how it looks now. "
            "Links and phone numbers are shown as plain text.",
            "author_name": "A first name or initials is fine.",
            "author_email": "Never shown. We send you a link to confirm the review is yours.",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 7})}

    def clean_treatment_month(self):
        month = self.cleaned_data["treatment_month"]
        today = timezone.localdate()
        if month > today.replace(day=1):
            raise ValidationError("The treatment month cannot be in the future.")
        if month < date(today.year - OLDEST_TREATMENT_YEARS, 1, 1):
            raise ValidationError(f"Please give a month within the last {OLDEST_TREATMENT_YEARS} years.")
        return month

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 30:
            raise ValidationError("Please write at least a couple of sentences (30 characters or more).")
        return text

    def clean_author_name(self):
        name = " ".join(self.cleaned_data["author_name"].split())
        if not name:
            raise ValidationError("Please give a name to show with the review.")
        return name


class InviteReviewForm(ReviewForm):
    """The invite already knows the client's e-mail address."""

    class Meta(ReviewForm.Meta):
        fields = [f for f in ReviewForm.Meta.fields if f != "author_email"]


class FollowUpForm(forms.ModelForm):
    rating = rating_field("Overall, how happy are you now?", required=True)
    result_healed = forms.TypedChoiceField(
        label="Has the result healed?",
        choices=[("yes", "Yes, it has healed"), ("no", "No, not yet")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Review
        fields = ["rating", "text", "result_healed"]
        labels = {"text": "Your review"}
        help_texts = {"text": "Change what you wrote, or add how the result looks now that it has healed."}
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["result_healed"] = "yes" if self.instance.result_healed else "no"

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 30:
            raise ValidationError("Please write at least a couple of sentences (30 characters or more).")
        return text


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="Client e-mail addresses",
        help_text=f"One per line, up to {MAX_INVITES_PER_FORM} at a time. Each gets its own link that works "
        f"once and expires after {settings.SMP_INVITE_DAYS} days.",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        max_length=MAX_INVITES_PER_FORM * 260,
    )

    def clean_emails(self):
        raw = self.cleaned_data["emails"].replace(",", "\n").replace(";", "\n")
        emails, seen, bad = [], set(), []
        for line in raw.splitlines():
            email = line.strip()
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
                continue
            if email.lower() not in seen:
                seen.add(email.lower())
                emails.append(email)
        if bad:
            shown = ", ".join(bad[:5])
            raise ValidationError(f"These do not look like e-mail addresses: {shown}")
        if not emails:
            raise ValidationError("Enter at least one e-mail address.")
        if len(emails) > MAX_INVITES_PER_FORM:
            raise ValidationError(f"Send at most {MAX_INVITES_PER_FORM} invites at a time.")
        return emails


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["owner_reply"]
        labels = {"owner_reply": "Your public reply"}
        help_texts = {"owner_reply": "Shown under the review with your clinic's name. You can edit it later."}
        widgets = {"owner_reply": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_reply"].required = True
        self.fields["owner_reply"].error_messages["required"] = "Write a reply before saving."

    def clean_owner_reply(self):
        reply = self.cleaned_data["owner_reply"].strip()
        if not reply:
            raise ValidationError("Write a reply before saving.")
        return reply


class TestimonialForm(forms.ModelForm):
    class Meta:
        model = Testimonial
        fields = ["quote", "attribution"]
        labels = {"quote": "Quote", "attribution": "Who said it"}
        help_texts = {
            "quote": "A client's words, as they gave them to you. Shown as provided by the clinic.",
        }
        widgets = {"quote": forms.Textarea(attrs={"rows": 4})}

    def clean_quote(self):
        quote = self.cleaned_data["quote"].strip()
        if not quote:
            raise ValidationError("Enter the quote.")
        return quote


class ConcernForm(forms.ModelForm):
    reason = forms.ChoiceField(
        label="What is wrong?", choices=ConcernReason.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = ConcernReport
        fields = ["reason", "details", "reporter_email"]
        labels = {
            "details": "Tell us what you noticed",
            "reporter_email": "Your e-mail address",
        }
        help_texts = {
            "details": "Facts help us most: what you saw, where and when.",
            "reporter_email": "Only our staff see it, in case we need to ask you something.",
        }
        widgets = {"details": forms.Textarea(attrs={"rows": 6})}

    def clean_details(self):
        details = self.cleaned_data["details"].strip()
        if len(details) < 10:
            raise ValidationError("Please describe the problem in a sentence or two.")
        return details
