"""Specification of course_lib.prompts: the profile as a system prompt."""
import pytest

from course_lib.prompts import profile_system_prompt

PROFILE = {
    "name": "Maya Lindqvist",
    "diet": "lacto-vegetarian",
    "hard_restrictions": [{"name": "peanut allergy", "avoid": ["peanut", "satay"]}],
    "dislikes": ["eggs", "mushrooms"],
    "likes": ["lentils"],
    "goals": {"protein_g_per_day": 120},
    "answer_style": {"tone": "friendly", "length": "under 80 words"},
}


def test_prompt_names_every_food_to_avoid_and_the_style():
    prompt = profile_system_prompt(PROFILE)
    for word in ("peanut", "satay", "eggs", "mushrooms", "lentils", "120", "under 80 words"):
        assert word in prompt
    assert prompt.index("Never suggest") < prompt.index("dislikes")


def test_incomplete_profile_is_rejected_with_the_missing_fields():
    with pytest.raises(ValueError, match="dislikes"):
        profile_system_prompt({k: v for k, v in PROFILE.items() if k != "dislikes"})
