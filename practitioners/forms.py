"""Dashboard forms. Each hands its cleaned_data to a service in practitioners.services.owners;
none saves anything itself. Status, summary and review fields are never on these forms."""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone

from .models import (
    Certification,
    Clinic,
    ClinicMembership,
    Consultation,
    JurisdictionRule,
    Language,
    Licence,
    ListingClaim,
    MembershipRole,
    PortfolioItem,
    PortfolioStage,
    Practitioner,
    Specialty,
)
from .places import resolve_place
from .regions import Country, region_belongs_to, region_name

DOCUMENT_ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
EARLIEST_DOCUMENT_DATE = date(1950, 1, 1)
MAX_PRICE = 100_000


class YesNoUnknown(forms.NullBooleanSelect):
    """Yes / No / "Not said": an owner may leave a question unanswered."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Not said"), ("true", "Yes"), ("false", "No")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class Sections:
    """Groups a form's fields under headings, so templates can lay long forms out in parts."""

    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def grouped(self) -> list[tuple[str, list]]:
        placed = {name for _, names in self.sections for name in names}
        groups = [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.sections
        ]
        rest = [self[name] for name in self.fields if name not in placed]
        if rest:
            groups.append(("", rest))
        return [(title, fields) for title, fields in groups if fields]


def _document_field(required: bool) -> forms.FileField:
    # A plain file input: the current file lives in private storage and has no public URL.
    return forms.FileField(
        required=required,
        label="Document" if required else "Replace the document",
        help_text="A PDF, or a JPEG or PNG scan or photo of the whole page, up to 15 MB. "
        "Only our staff and the people who manage this listing can see it.",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )


class ClinicForm(Sections, forms.ModelForm):
    """The clinic's address, hygiene, consultation and prices. Map coordinates come from the
    postcode, so owners never type them."""

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")
    sections = (
        ("The clinic", ("name", "address_line", "city", "postcode", "region")),
        ("How patients reach you", ("phone", "website", "email")),
        (
            "Hygiene",
            ("sink_in_treatment_rooms", "single_use_needles", "gloves_and_mask", "sterilisation_procedure"),
        ),
        (
            "Consultation and prices",
            (
                "consultation",
                "consultation_price",
                "consultation_covers_assessment",
                "currency",
                "price_min",
                "price_max",
            ),
        ),
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address_line",
            "city",
            "region",
            "postcode",
            "phone",
            "website",
            "email",
            "sink_in_treatment_rooms",
            "single_use_needles",
            "gloves_and_mask",
            "sterilisation_procedure",
            "consultation",
            "consultation_price",
            "consultation_covers_assessment",
            "currency",
            "price_min",
            "price_max",
        ]
        labels = {
            "name": "Clinic name",
            "address_line": "Street address",
            "city": "Town or city",
            "region": "State (US) or nation (UK)",
            "postcode": "ZIP code or postcode",
            "email": "Clinic e-mail",
            "sink_in_treatment_rooms": "Every treatment room has its own sink",
            "single_use_needles": "Needles are single-use, sealed, and opened in front of the client",
            "gloves_and_mask": "The practitioner wears gloves and a mask",
            "sterilisation_procedure": "How you clean and sterilise",
            "consultation": "Consultation before treatment",
            "consultation_price": "Consultation price",
            "consultation_covers_assessment": (
                "The consultation looks at the hair-loss pattern, skin tone and hairline design"
            ),
            "price_min": "Lowest typical price per session",
            "price_max": "Highest typical price per session",
        }
        help_texts = {
            "region": "",
            "single_use_needles": "",
            "postcode": "We use it to place the clinic on the map and to find the licensing rule.",
            "sterilisation_procedure": "A few sentences patients can read.",
            "consultation_covers_assessment": "",
            "price_min": "Whole amount in the currency above, for one session.",
            "price_max": "",
        }
        widgets = {
            "sink_in_treatment_rooms": YesNoUnknown,
            "single_use_needles": YesNoUnknown,
            "gloves_and_mask": YesNoUnknown,
            "consultation_covers_assessment": YesNoUnknown,
            "sterilisation_procedure": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "address_line": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultation"].choices = [("", "Not said"), *Consultation.choices]
        for name in ("consultation_price", "price_min", "price_max"):
            self.fields[name].widget.attrs.update({"min": 0, "max": MAX_PRICE})
            self.fields[name].validators.append(MaxValueValidator(MAX_PRICE))

    def clean_sterilisation_procedure(self):
        return self.cleaned_data["sterilisation_procedure"].strip()[:4000]

    def clean(self):
        data = super().clean()
        region = data.get("region")
        # Region codes say the country: two letters for a US state, three for a UK nation.
        country = next((c for c in Country.values if region and region_belongs_to(c, region)), None)
        data["country"] = country
        price_min, price_max = data.get("price_min"), data.get("price_max")
        if price_min is not None and price_max is not None and price_max < price_min:
            self.add_error("price_max", "The highest price can't be lower than the lowest price.")
        consultation = data.get("consultation")
        if consultation == Consultation.PAID and data.get("consultation_price") is None:
            self.add_error("consultation_price", "Give the price of a paid consultation.")
        elif consultation != Consultation.PAID:
            data["consultation_price"] = None
        if country and region and data.get("postcode") and data.get("city"):
            self._locate(data, country, region)
        return data

    def _locate(self, data, country: str, region: str) -> None:
        """Find map coordinates from the postcode, or else from the town."""
        place = resolve_place(data["postcode"])
        if place is not None and (place.country, place.region) != (country, region):
            self.add_error(
                "postcode",
                f"This postcode is in {region_name(place.country, place.region)}, "
                f"not {region_name(country, region)}. Please check both.",
            )
            return
        if place is None:
            town = resolve_place(f"{data['city']}, {region_name(country, region)}")
            if town is not None and (town.country, town.region) == (country, region):
                place = town
        if place is None:
            self.add_error(
                "postcode",
                "We couldn't find this postcode or town. Please check the spelling, e.g. 33132 or SW1A 1AA.",
            )
            return
        data["latitude"], data["longitude"] = place.latitude, place.longitude


class MembershipForm(forms.ModelForm):
    email = forms.EmailField(
        label="Their e-mail address",
        max_length=254,
        help_text="They need a smpfinder account with this confirmed address.",
    )

    class Meta:
        model = ClinicMembership
        fields = ["role"]
        help_texts = {"role": "Owners can add people; managers can edit everything else."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = MembershipRole.choices
        self.order_fields(["email", "role"])


class ListingClaimForm(forms.ModelForm):
    class Meta:
        model = ListingClaim
        fields = ["message"]
        labels = {"message": "How can we tell you run this clinic?"}
        help_texts = {
            "message": "For example: your role, a phone number on the clinic's website we can call, "
            "or an e-mail address at the clinic's web domain."
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 20:
            raise forms.ValidationError("Please tell us a little more (at least 20 characters).")
        return message[:2000]


class PractitionerForm(Sections, forms.ModelForm):
    """Everything an owner says about a practitioner. The status and the checked summary
    (badge, counts, rating) are not here: staff and reviews decide those."""

    sections = (
        ("About them", ("name", "clinics", "bio", "photo", "remove_photo")),
        (
            "Training and experience",
            ("trainer", "training_hours", "live_models_trained", "years_practising", "procedures_performed"),
        ),
        ("How they work", ("pigment", "pigment_brand", "typical_sessions", "written_aftercare")),
        ("What they do", ("specialties", "languages")),
    )

    photo = forms.FileField(
        required=False,
        label="Photo",
        help_text="A clear head-and-shoulders photo (JPEG, PNG or WebP).",
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    remove_photo = forms.BooleanField(required=False, label="Remove the current photo")

    class Meta:
        model = Practitioner
        fields = [
            "name",
            "clinics",
            "bio",
            "years_practising",
            "procedures_performed",
            "trainer",
            "training_hours",
            "live_models_trained",
            "specialties",
            "pigment",
            "pigment_brand",
            "typical_sessions",
            "written_aftercare",
            "languages",
        ]
        labels = {
            "name": "Full name",
            "clinics": "Works at",
            "bio": "About this practitioner",
            "years_practising": "Years doing SMP",
            "procedures_performed": "SMP procedures done, roughly",
            "trainer": "Trained by (trainer or academy)",
            "training_hours": "Hours of training",
            "live_models_trained": "Live models treated during training",
            "pigment": "Pigment used",
            "pigment_brand": "Pigment brand",
            "typical_sessions": "Sessions a typical treatment takes",
            "written_aftercare": "Clients get written aftercare instructions",
            "languages": "Languages spoken",
        }
        help_texts = {
            "bio": "Plain facts patients can check. Avoid promises such as instant or permanent results.",
            "trainer": "Spell it as on the certificate, so we can match the two.",
            "procedures_performed": "",
            "live_models_trained": "",
        }
        widgets = {
            "clinics": forms.CheckboxSelectMultiple,
            "specialties": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "written_aftercare": YesNoUnknown,
            "bio": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, user, **kwargs):
        from .access import user_clinics

        super().__init__(*args, **kwargs)
        clinics = user_clinics(user).order_by("name")
        self.fields["clinics"].queryset = clinics
        self.fields["clinics"].help_text = "Only clinics you manage are listed."
        self.fields["specialties"].queryset = Specialty.objects.order_by("name")
        self.fields["languages"].queryset = Language.objects.order_by("name")
        self.fields["pigment"].choices = [("", "Not said"), *Practitioner._meta.get_field("pigment").choices]
        if not self.instance.pk:
            del self.fields["remove_photo"]
            only = list(clinics[:2])
            if len(only) == 1:
                self.initial.setdefault("clinics", [only[0].pk])
        elif not self.instance.photo:
            del self.fields["remove_photo"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the practitioner's name.")
        return name

    def clean_bio(self):
        return self.cleaned_data["bio"].strip()


class _CredentialForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"] = _document_field(required=not self.instance.pk)

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        today = timezone.localdate()
        if issued is not None:
            if issued > today:
                self.add_error("issued_on", "The issue date can't be in the future.")
            elif issued < EARLIEST_DOCUMENT_DATE:
                self.add_error("issued_on", "Please check the issue date.")
        if issued is not None and expires is not None and expires <= issued:
            self.add_error("expires_on", "The expiry date must be after the issue date.")
        if expires is not None and expires.year > today.year + 50:
            self.add_error("expires_on", "Please check the expiry date.")
        return data


class CertificationForm(_CredentialForm):
    class Meta:
        model = Certification
        fields = ["issuing_body", "certificate_number", "issued_on", "expires_on"]
        labels = {
            "issuing_body": "Issued by (academy or trainer)",
            "certificate_number": "Certificate number",
            "issued_on": "Date issued",
            "expires_on": "Expiry date",
        }
        help_texts = {
            "certificate_number": "Leave empty if the certificate has none.",
            "expires_on": "Leave empty if it does not expire.",
        }
        widgets = {"issued_on": DateInput, "expires_on": DateInput}


class LicenceForm(_CredentialForm):
    class Meta:
        model = Licence
        fields = [
            "licence_number",
            "issuing_authority",
            "jurisdiction",
            "issued_on",
            "expires_on",
            "displayed_at_premises",
        ]
        labels = {
            "licence_number": "Licence number",
            "issuing_authority": "Issued by",
            "jurisdiction": "Valid in",
            "issued_on": "Date issued",
            "expires_on": "Expiry date",
            "displayed_at_premises": "The licence is on display where clients can see it",
        }
        help_texts = {
            "issuing_authority": "e.g. the state health department or the local council.",
            "expires_on": "Leave empty if it does not expire.",
            "displayed_at_premises": "",
        }
        widgets = {"issued_on": DateInput, "expires_on": DateInput}

    def __init__(self, *args, jurisdictions=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        if jurisdictions is None:
            # A premises licence is always for the clinic's own address.
            del self.fields["jurisdiction"]
            return
        rules = JurisdictionRule.objects.filter(pk__in=[rule.pk for rule in jurisdictions])
        field.queryset = rules
        field.required = bool(jurisdictions)
        field.empty_label = None
        field.help_text = "The state or area whose rules this licence meets."
        if len(jurisdictions) == 1 and not self.instance.pk:
            self.initial.setdefault("jurisdiction", jurisdictions[0].pk)


class PortfolioItemForm(Sections, forms.ModelForm):
    image = forms.FileField(
        label="Photo",
        help_text="JPEG, PNG or WebP, up to 15 MB. We remove the location and camera details "
        "and make smaller copies for the gallery.",
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    consent = forms.BooleanField(
        label="The client agreed that this photo may be shown publicly on smpfinder",
        error_messages={
            "required": "Please confirm that the client agreed to this photo being shown. "
            "We can't publish photos of clients without their consent."
        },
    )

    class Meta:
        model = PortfolioItem
        fields = ["stage", "months_since_treatment", "sessions_done", "treatment_type", "caption"]
        labels = {
            "stage": "What the photo shows",
            "months_since_treatment": "Months since the last session",
            "sessions_done": "Sessions done",
            "treatment_type": "Treatment",
            "caption": "Caption",
        }
        help_texts = {
            "months_since_treatment": "Needed for healed results: patients want to see work that "
            "has settled for months, not days.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["image", *self.Meta.fields, "consent"])
        for name in ("stage", "treatment_type"):
            self.fields[name].choices = [("", "Choose…"), *self.fields[name].choices[1:]]

    def clean(self):
        data = super().clean()
        stage = data.get("stage")
        if stage == PortfolioStage.HEALED and data.get("months_since_treatment") is None:
            self.add_error("months_since_treatment", "Say how many months ago the last session was.")
        if stage == PortfolioStage.BEFORE:
            data["months_since_treatment"] = None
        return data


class PortfolioMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
