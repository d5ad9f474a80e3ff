"""The profile of Maya, the one person the assistant serves, and the words that break it."""
from __future__ import annotations

import re

PROFILE = {
    "id": "profile-maya",
    "name": "Maya Lindqvist",
    "summary": (
        "34-year-old software tester at the Harbour Lane offices. Lacto-vegetarian with a "
        "peanut allergy, trains for strength three times a week and eats lunch at the "
        "Harbour Lane Canteen on weekdays."
    ),
    "diet": "lacto-vegetarian: dairy is fine; no meat, fish, seafood or gelatine",
    "hard_restrictions": [
        {
            "name": "peanut allergy",
            "kind": "allergy",
            "avoid": ["peanut", "peanuts", "peanut butter", "peanut oil", "groundnut", "arachis oil", "satay"],
        },
        {
            "name": "vegetarian",
            "kind": "diet",
            "avoid": ["meat", "chicken", "beef", "pork", "ham", "bacon", "lamb", "turkey", "duck",
                      "fish", "salmon", "tuna", "cod", "trout", "hake", "prawns", "shrimp", "anchovies",
                      "gelatine"],
        },
    ],
    "dislikes": ["eggs", "mushrooms", "coriander", "aubergine"],
    "likes": ["lentils", "chickpeas", "tofu", "cottage cheese", "yogurt", "berries", "sweet potato",
              "spinach", "spicy food", "pumpkin seeds"],
    "goals": {
        "protein_g_per_day": 120,
        "energy_kcal_per_day": 2100,
        "fibre_g_per_day": 30,
        "sodium_mg_per_day_max": 2300,
        "training": "strength training on Monday, Wednesday and Friday evenings",
    },
    "answer_style": {
        "tone": "friendly and direct; no lecturing, no emojis",
        "format": "a short bullet list (at most 4 bullets); every food suggestion states its protein in grams",
        "units": "metric only (g, ml, kcal, mg)",
        "length": "under 80 words",
        "uncertainty": "say \"I don't know\" instead of guessing canteen facts such as this week's menu",
    },
}

# Words whose presence in an answer breaks the profile (whole-word, lower-case).
FORBIDDEN_WORDS = sorted({
    "peanut", "peanuts", "groundnut", "satay", "arachis",
    "meat", "chicken", "beef", "pork", "ham", "bacon", "lamb", "turkey", "duck", "fish", "salmon",
    "tuna", "cod", "trout", "hake", "prawn", "prawns", "shrimp", "anchovy", "anchovies", "gelatine",
    "egg", "eggs", "omelette", "omelet", "mushroom", "mushrooms", "coriander", "cilantro",
    "aubergine", "eggplant",
})
IMPERIAL = re.compile(r"\b(\d+\s*(oz|ounces?|lbs?|pounds?|cups?|tbsp|tablespoons?)|fahrenheit)\b", re.I)


def forbidden_hits(text: str) -> list[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return sorted(words & set(FORBIDDEN_WORDS))
