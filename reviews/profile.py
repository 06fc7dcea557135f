"""What a practitioner's profile shows of reviews and testimonials (placeholder)."""


def reviews_context(request, practitioner) -> dict:
    return {"reviews": [], "testimonials": []}
