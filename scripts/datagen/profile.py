"""The profile of Maya, the one person the assistant serves, and every word that names a food she avoids.

The grader (course_lib.evaluation.grading.profile_avoid_terms / violations) reads the foods, aliases and
dishes from this profile; there is no second word list anywhere else.
"""
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
            "avoid": ["peanut"],
        },
        {
            "name": "vegetarian",
            "kind": "diet",
            "avoid": ["meat", "chicken", "beef", "pork", "ham", "bacon", "lamb", "turkey", "duck",
                      "fish", "salmon", "tuna", "cod", "trout", "hake", "prawns", "anchovies", "seafood",
                      "gelatine"],
        },
    ],
    "dislikes": ["eggs", "mushrooms", "coriander", "aubergine"],
    # Other words for the foods above, so that the grader (course_lib.evaluation.grading) recognises them
    # wherever they appear: other names, spellings and kinds of the same food ...
    "aliases": {
        "peanut": ["peanut butter", "peanut oil", "groundnut", "arachis oil", "arachis", "monkey nut"],
        "meat": ["veal", "venison", "mutton", "goose", "sausage", "salami", "chorizo", "pepperoni", "prosciutto",
                 "pancetta", "guanciale", "lard", "meatball", "con carne"],
        "fish": ["mackerel", "sardine", "haddock", "tilapia", "sea bass", "pollock", "herring", "halibut", "swordfish"],
        "prawns": ["shrimp", "scampi"],
        "seafood": ["crab", "lobster", "mussels", "clams", "squid", "calamari", "octopus", "scallops", "oysters"],
        "gelatine": ["gelatin"],
        "eggs": ["egg white", "egg yolk", "yolk"],
        "mushrooms": ["portobello", "porcini", "shiitake", "chanterelle", "champignon", "enoki", "oyster mushroom"],
        "coriander": ["cilantro", "chinese parsley"],
        "aubergine": ["eggplant", "brinjal", "melanzane"],
    },
    # ... and dishes that always contain the food, even when the answer does not name it. Only
    # dishes whose standard recipe contains it: pad thai (egg, fish sauce, often peanuts) or
    # guacamole (sometimes coriander) vary too much to count.
    "implied_by": {
        "peanut": ["satay", "gado-gado", "gado gado"],
        "anchovies": ["caesar salad", "caesar dressing", "worcestershire sauce"],
        "gelatine": ["marshmallow", "panna cotta", "gummy bear"],
        "beef": ["hamburger", "cheeseburger"],
        "eggs": ["omelette", "omelet", "frittata", "quiche", "shakshuka", "meringue", "mayonnaise", "mayo", "aioli",
                 "hollandaise", "carbonara", "eggs benedict", "french toast", "pavlova", "souffle", "soufflé"],
        "aubergine": ["baba ganoush", "moussaka", "ratatouille"],
    },
    # ... and phrases that hold a food's word but name something else: a beef tomato is a tomato, a
    # fishy smell holds no fish, duck sauce is a plum sauce.
    "lookalikes": {
        "beef": ["beef tomato", "beefsteak tomato", "beefy"],
        "meat": ["meaty"],
        "pork": ["porky"],
        "fish": ["fishy"],
        "duck": ["duck sauce"],
        "lamb": ["lamb's lettuce", "lambs lettuce"],
        "salmon": ["salmon-pink", "salmon pink"],
    },
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

IMPERIAL = re.compile(r"\b(\d+\s*(oz|ounces?|lbs?|pounds?|cups?|tbsp|tablespoons?)|fahrenheit)\b", re.I)

