"""Write the person's profile as a system prompt: customising by prompting alone.

Before fine-tuning or retrieval, the cheapest way to make a chat model respect a
person is to tell it, in every prompt, who the person is. Lesson 01 measures how
far that gets a small model; later lessons compare it with fine-tuning (which
bakes the person in) and RAG (which adds facts).
"""
from __future__ import annotations

from typing import Any, Mapping

PROFILE_FIELDS = ("name", "diet", "hard_restrictions", "dislikes", "likes", "goals", "answer_style")


def profile_system_prompt(profile: Mapping[str, Any]) -> str:
    """Turn the profile (``course_lib.data.load_profile()``) into a system prompt.

    Hard restrictions come first and are phrased as rules, because they are the
    part a wrong answer must never break.

    >>> profile = {"name": "Ana", "diet": "vegan", "hard_restrictions": [
    ...     {"name": "nut allergy", "avoid": ["walnut", "almond"]}], "dislikes": ["kale"],
    ...     "likes": ["rice"], "goals": {"protein_g_per_day": 90},
    ...     "answer_style": {"format": "bullets"}}
    >>> print(profile_system_prompt(profile))
    You are a diet assistant for Ana.
    Diet: vegan.
    Never suggest: walnut, almond (nut allergy).
    Ana dislikes: kale.
    Ana likes: rice.
    Goals: protein g per day: 90.
    Answer style: format: bullets.
    """
    missing = [field for field in PROFILE_FIELDS if field not in profile]
    if missing:
        raise ValueError(f"The profile lacks {missing}; load it with course_lib.data.load_profile().")
    name = profile["name"].split()[0]
    lines = [f"You are a diet assistant for {name}.", f"Diet: {profile['diet']}."]
    for rule in profile["hard_restrictions"]:
        lines.append(f"Never suggest: {', '.join(rule['avoid'])} ({rule['name']}).")
    lines.append(f"{name} dislikes: {', '.join(profile['dislikes'])}.")
    lines.append(f"{name} likes: {', '.join(profile['likes'])}.")
    lines.append("Goals: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in profile["goals"].items()) + ".")
    lines.append("Answer style: " + "; ".join(f"{k}: {v}" for k, v in profile["answer_style"].items()) + ".")
    return "\n".join(lines)
