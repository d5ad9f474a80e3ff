"""Facts about the fictional Harbour Lane Canteen and its calendar, shared by guides, menus and questions."""
from __future__ import annotations

import datetime as dt
import random

ALLERGENS = [  # EU Regulation 1169/2011, Annex II order; the letter is the canteen's code.
    ("A", "gluten", "cereals containing gluten (wheat, rye, barley, oats, spelt, kamut)"),
    ("B", "crustaceans", "crustaceans (prawns, crab, lobster, crayfish)"),
    ("C", "eggs", "eggs"),
    ("D", "fish", "fish"),
    ("E", "peanuts", "peanuts"),
    ("F", "soybeans", "soybeans"),
    ("G", "milk", "milk, including lactose"),
    ("H", "nuts", "tree nuts (almonds, hazelnuts, walnuts, cashews, pecans, Brazil nuts, pistachios, macadamia)"),
    ("I", "celery", "celery and celeriac"),
    ("J", "mustard", "mustard"),
    ("K", "sesame", "sesame seeds"),
    ("L", "sulphites", "sulphur dioxide and sulphites above 10 mg/kg"),
    ("M", "lupin", "lupin"),
    ("N", "molluscs", "molluscs (mussels, squid, snails)"),
]
ALLERGEN_WORD = {"gluten": "cereals containing gluten"}
FACTS = {
    "canteen_name": "Harbour Lane Canteen",
    "lunch_hours": "11:30 to 14:15",
    "breakfast_hours": "7:45 to 10:00",
    "coffee_hours": "7:45 to 16:30",
    "app_name": "HLC Lunch",
    "preorder_deadline": "10:00",
    "box_deposit": "€2.00",
    "menu_publication": "Thursday at 15:00",
    "head_chef": "Tomasz Wróbel",
    "salt_factor": "2.5",
    "band_grill": "€8.20 to €9.80",
    "band_green": "€6.90 to €8.40",
    "band_soup": "€3.50 to €4.60",
    "band_sweet": "€2.40 to €3.60",
}
for _letter, _key, _ in ALLERGENS:
    FACTS[f"code_{_key}"] = _letter

WEEKS = list(range(2, 11))  # ISO weeks 2..10 of 2026; week 10 is the held-out update
UPDATE_WEEK = 10
DAYS = ["mon", "tue", "wed", "thu", "fri"]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def week_monday(week: int) -> dt.date:
    return dt.date(2026, 1, 5) + dt.timedelta(days=7 * (week - 2))


def day_date(week: int, day_idx: int) -> dt.date:
    return week_monday(week) + dt.timedelta(days=day_idx)


def long_date(d: dt.date) -> str:
    return f"{DAY_NAMES[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def date_phrase(d: dt.date, rng: random.Random) -> str:
    """Several unambiguous ways people write a date."""
    wd, mon = DAY_NAMES[d.weekday()], MONTHS[d.month - 1]
    forms = [f"{wd} {d.day} {mon} {d.year}", f"{wd} {d.day} {mon}", f"{wd}, {d.day} {mon[:3]} {d.year}",
             f"{d.day} {mon} {d.year} (a {wd})", f"{wd[:3]} {d.day} {mon}"]
    return rng.choice(forms)
