"""Canteen menus: four dishes a weekday for weeks 2-10, composed from the tables below."""
from __future__ import annotations

import random

from course_lib.evaluation.grading import profile_avoid_terms, violations

from .canteen import ALLERGEN_WORD, ALLERGENS, DAYS, FACTS, WEEKS, day_date, long_date
from .profile import PROFILE

# (name, ingredient tags, allergens, protein g, kcal)
GRILL_PROTEINS = [
    ("chicken thigh", ["chicken"], [], 32, 430), ("beef meatballs", ["beef", "eggs"], ["gluten", "eggs"], 30, 520),
    ("pork schnitzel", ["pork", "eggs"], ["gluten", "eggs"], 31, 560), ("salmon fillet", ["salmon", "fish"], ["fish"], 29, 470),
    ("cod loin", ["cod", "fish"], ["fish"], 27, 330), ("turkey escalope", ["turkey"], [], 34, 360),
    ("lamb kofta", ["lamb"], [], 28, 520), ("king prawns", ["prawns"], ["crustaceans"], 24, 300),
    ("trout fillet", ["trout", "fish"], ["fish"], 27, 380), ("beef brisket", ["beef"], [], 33, 560),
    ("chicken breast", ["chicken"], [], 36, 380), ("pork belly", ["pork"], [], 25, 640),
    ("hake fillet", ["hake", "fish"], ["fish"], 26, 320), ("duck leg", ["duck"], [], 30, 590),
]
GREEN_PROTEINS = [
    ("tofu", ["tofu"], ["soybeans"], 18, 330), ("tempeh", ["tempeh"], ["soybeans"], 22, 380),
    ("red lentil dal", ["lentils"], [], 17, 360), ("chickpea stew", ["chickpeas"], [], 16, 380),
    ("black bean chilli", ["black beans"], ["celery"], 17, 370), ("halloumi", ["halloumi"], ["milk"], 22, 450),
    ("paneer", ["paneer"], ["milk"], 21, 460), ("seitan", ["seitan"], ["gluten", "soybeans"], 28, 390),
    ("falafel", ["chickpeas"], ["sesame", "gluten"], 17, 480), ("white bean cassoulet", ["white beans"], ["celery"], 18, 390),
    ("lupin schnitzel", ["lupin"], ["lupin", "gluten"], 20, 430), ("cottage cheese fritters", ["cottage cheese", "eggs"], ["milk", "eggs", "gluten"], 20, 420),
    ("shakshuka eggs", ["eggs"], ["eggs"], 19, 360), ("mushroom stroganoff", ["mushrooms"], ["milk", "celery"], 15, 420),
    ("aubergine parmigiana", ["aubergine"], ["milk", "gluten"], 16, 470), ("ricotta gnocchi", ["ricotta", "eggs"], ["milk", "eggs", "gluten"], 18, 520),
    ("smoked tofu", ["tofu"], ["soybeans"], 19, 340), ("butter bean ragout", ["butter beans"], ["celery"], 16, 370),
]
# (name, tags, allergens); the same styles serve both counters.
STYLES = [
    ("miso-glazed", [], ["soybeans"]), ("harissa", [], []), ("lemon and dill", [], []),
    ("smoked paprika", [], []), ("teriyaki", [], ["soybeans", "gluten"]), ("tikka-spiced", [], ["milk"]),
    ("jerk-spiced", [], []), ("satay", ["peanuts"], ["peanuts"]), ("mustard-crusted", [], ["mustard"]),
    ("za'atar", [], ["sesame"]), ("gochujang", [], ["soybeans", "gluten", "sesame"]), ("black pepper", [], []),
    ("chimichurri", [], []), ("Thai green curry", ["coriander"], []), ("piri-piri", [], []),
    ("garlic and rosemary", [], []), ("katsu", ["eggs"], ["gluten", "eggs"]), ("sumac and pomegranate", [], []),
    ("Kashmiri chilli", [], ["milk"]), ("coriander and lime", ["coriander"], []),
]
SIDES = [
    ("jasmine rice", [], 4, 210), ("herbed bulgur", ["gluten"], 6, 220), ("roast potatoes", [], 4, 230),
    ("lemon couscous", ["gluten"], 6, 210), ("soba noodles", ["gluten"], 6, 200), ("sweet potato mash", ["milk"], 3, 210),
    ("wild rice", [], 5, 190), ("pearl barley", ["gluten"], 5, 200), ("quinoa tabbouleh", [], 6, 200),
    ("crushed new potatoes", [], 4, 200), ("warm flatbread", ["gluten"], 6, 240), ("spelt pilaf", ["gluten"], 7, 230),
    ("brown rice", [], 5, 220), ("polenta", ["milk"], 4, 210),
]
# Vegetables, soup flavours and toppings are components too: (name, tags, allergens). The slaws are
# dressed with oil and vinegar, the turnips glazed with maple syrup (no butter, no mayonnaise).
VEG = [(v, [], []) for v in ["roast carrots", "braised red cabbage", "charred broccoli", "garlic greens", "fennel slaw",
                             "roast squash", "pickled cucumber", "spiced cauliflower", "minted peas", "tomato salad",
                             "kale and apple slaw", "glazed turnips"]]
SOUP_BASES = [
    ("roasted squash", [], [], 4, 180), ("split pea", ["split peas"], [], 11, 240), ("tomato and red lentil", ["lentils"], [], 10, 230),
    ("leek and potato", [], ["milk"], 5, 220), ("white bean minestrone", ["white beans"], ["gluten"], 9, 230),
    ("chicken and barley", ["chicken"], ["gluten"], 14, 250), ("beef and bean", ["beef"], [], 15, 280),
    ("mushroom and thyme", ["mushrooms"], ["milk"], 5, 190), ("carrot and ginger", [], [], 3, 150),
    ("miso and tofu", ["tofu"], ["soybeans"], 9, 160), ("black bean", ["black beans"], [], 10, 230),
    ("broccoli and almond", [], ["nuts", "milk"], 8, 240), ("spiced chickpea", ["chickpeas"], [], 10, 250),
    ("smoked fish chowder", ["fish"], ["fish", "milk"], 16, 290), ("celeriac and apple", [], [], 3, 160),
    ("peanut and sweet potato", ["peanuts"], ["peanuts"], 9, 290), ("beetroot and dill", [], [], 3, 140),
    ("cauliflower and cheddar", [], ["milk"], 8, 240),
]
# Coconut is not a tree nut under Regulation 1169/2011, Annex II.
SOUP_FLAVOURS = [(f, [], []) for f in ["ginger", "smoked paprika", "thyme", "coconut", "harissa", "lemon", "chilli",
                                       "roasted garlic", "cumin", "rosemary", "sage", "fennel seed"]]
SOUP_STOCK = ("vegetable stock", [], ["celery"])  # every soup is made on a stock with celery
SWEETS = [
    ("apple crumble", [], ["gluten", "milk"], 3, 320), ("rice pudding", [], ["milk"], 6, 260),
    ("chocolate mousse", ["eggs"], ["eggs", "milk"], 5, 300), ("berry compote with yogurt", [], ["milk"], 7, 190),
    ("carrot cake", ["eggs"], ["eggs", "gluten", "nuts"], 4, 380), ("poached pear", [], ["sulphites"], 1, 170),
    ("panna cotta", ["gelatine"], ["milk"], 4, 280), ("peanut butter brownie", ["peanuts", "eggs"], ["peanuts", "eggs", "gluten", "milk"], 6, 410),
    ("lemon posset", [], ["milk"], 3, 340), ("fruit salad", [], [], 1, 120), ("chia pudding", [], ["soybeans"], 6, 230),
    ("baked cheesecake", ["eggs"], ["eggs", "milk", "gluten"], 7, 390), ("oat and date bar", [], ["gluten"], 4, 280),
    ("quark mousse", [], ["milk"], 9, 210),
]
SWEET_TOPPINGS = [
    ("cardamom", [], []), ("orange zest", [], []), ("cinnamon", [], []), ("toasted oats", ["oats"], ["gluten"]),
    ("blackberry sauce", [], []), ("vanilla", [], []), ("salted caramel", ["butter", "cream"], ["milk"]),
    ("raspberries", [], []), ("stem ginger", [], []), ("honeyed figs", ["honey", "figs"], []),
    ("lemon curd", ["eggs", "butter"], ["eggs", "milk"]), ("pistachio crumb", ["pistachios"], ["nuts"]),
]
MEATS = {"chicken", "beef", "pork", "salmon", "fish", "cod", "turkey", "lamb", "prawns", "trout", "hake", "duck", "gelatine"}
ANIMAL_PRODUCTS = {"honey", "butter", "cream"}  # vegetarian, but not vegan (milk and eggs count via their allergens)
MAINS = ("green", "soup")  # a lunch for the profile is one of these; the grill always has meat or fish


def _component_table() -> dict[str, dict]:
    """Every component by name, with its own ingredient tags and allergens; dishes inherit from these."""
    rows = [r[:3] for r in GRILL_PROTEINS + GREEN_PROTEINS + STYLES + SIDES + VEG + SOUP_BASES + SOUP_FLAVOURS
            + SWEETS + SWEET_TOPPINGS + [SOUP_STOCK]]
    # SIDES rows are (name, allergens, ...) without tags: normalise them.
    table: dict[str, dict] = {}
    for row in rows:
        name, tags, allergens = row if len(row) == 3 and isinstance(row[2], list) else (row[0], [], row[1])
        entry = {"tags": sorted(set(tags)), "allergens": sorted(set(allergens))}
        if table.get(name, entry) != entry:
            raise ValueError(f"component {name!r} is defined twice with different tags or allergens")
        table[name] = entry
    return table


def dish_text(dish: dict) -> str:
    """The dish as words for the matcher: its components and its ingredient tags, one clause each."""
    return ". ".join(dish["components"] + dish["ingredients"]) + "."


def maya_ok(dish: dict) -> bool:
    """True when nothing in the dish breaks the profile, judged by the course grader on its components."""
    return not violations(dish_text(dish), AVOID, profile=PROFILE)


COMPONENTS = _component_table()
AVOID = profile_avoid_terms(PROFILE)


def allergen_words(allergens: list[str]) -> str:
    return ", ".join(ALLERGEN_WORD.get(a, a) for a in allergens) if allergens else "none of the 14"


def make_dish(counter, name, components, protein, kcal, price):
    """A dish record whose allergens, tags and vegetarian/vegan flags are the union over its components."""
    order = [a[1] for a in ALLERGENS]
    tags = {t for c in components for t in COMPONENTS[c]["tags"]}
    allergens = sorted({a for c in components for a in COMPONENTS[c]["allergens"]}, key=order.index)
    veg = not (tags & MEATS)
    return {"counter": counter, "name": name, "price_eur": price, "protein_g": protein, "energy_kcal": kcal,
            "allergens": allergens, "vegetarian": veg,
            "vegan": veg and not {"milk", "eggs"} & set(allergens) and not tags & ANIMAL_PRODUCTS,
            "ingredients": sorted(tags), "components": list(components)}


def build_menus(rng: random.Random) -> list[dict]:
    used_cores, used_names = set(), set()
    codes = iter(f"D-{c}" for c in rng.sample(range(100, 900), len(WEEKS) * 5 * 4))
    docs = []

    def price(lo, hi):
        return round(rng.randrange(int(lo * 10), int(hi * 10) + 1) / 10, 2)

    def main(counter, proteins, lo, hi):
        while True:
            p, s, side = rng.choice(proteins), rng.choice(STYLES), rng.choice(SIDES)
            core = f"{s[0]} {p[0]}"
            if core in used_cores:
                continue
            veg = rng.choice(VEG)[0]
            form = rng.choice([0, 1, 2])
            name = [f"{core} with {side[0]}", f"{core}, {side[0]} and {veg}", f"{core} with {side[0]} and {veg}"][form]
            name = name[0].upper() + name[1:]
            if name in used_names:
                continue
            used_cores.add(core)
            used_names.add(name)
            prot = p[3] + side[2] + rng.randint(-2, 3)
            kcal = int(round((p[4] + side[3] + rng.randint(-40, 60)) / 10) * 10)
            components = [s[0], p[0], side[0]] + ([veg] if form else [])
            dish = make_dish(counter, name, components, prot, kcal, price(lo, hi))
            dish["core"], dish["_key"] = core, core
            return dish

    def simple(counter, bases, extras, fmt, lo, hi):
        while True:
            b, x = rng.choice(bases), rng.choice(extras)[0]
            name = fmt(b[0], x)
            name = name[0].upper() + name[1:]
            if b[0] + x in used_cores or name in used_names:
                continue
            used_cores.add(b[0] + x)
            used_names.add(name)
            prot = max(1, b[3] + rng.randint(-1, 2))
            kcal = int(round((b[4] + rng.randint(-30, 40)) / 10) * 10)
            components = [b[0], x] + ([SOUP_STOCK[0]] if counter == "soup" else [])
            dish = make_dish(counter, name, components, prot, kcal, price(lo, hi))
            dish["core"], dish["_key"] = b[0], b[0] + x
            return dish

    def soup_name(base, flavour):
        kind = "" if base.endswith(("chowder", "minestrone")) else " soup"
        if " and " in base or not kind:
            return f"{base}{kind} with {flavour}"
        return rng.choice([f"{base}{kind} with {flavour}", f"{base} and {flavour}{kind}"])

    for week in WEEKS:
        for di, day in enumerate(DAYS):
            while True:
                dishes = [
                    main("grill", GRILL_PROTEINS, 8.2, 9.8),
                    main("green", GREEN_PROTEINS, 6.9, 8.4),
                    simple("soup", SOUP_BASES, SOUP_FLAVOURS, soup_name, 3.5, 4.6),
                    simple("sweet", SWEETS, SWEET_TOPPINGS, lambda b, x: f"{b} with {x}", 2.4, 3.6),
                ]
                ok = sorted((d["protein_g"] for d in dishes if maya_ok(d) and d["counter"] in MAINS), reverse=True)
                # One clear best option for the profile keeps preference_and_fact answers unique.
                if ok and (len(ok) == 1 or ok[0] > ok[1]):
                    break
                for d in dishes:
                    used_cores.discard(d["_key"])
                    used_names.discard(d["name"])
            for d in dishes:
                d["code"] = next(codes)
            date = day_date(week, di)
            labels = {"grill": "Grill", "green": "Green counter", "soup": "Soup of the day", "sweet": "Sweet"}
            lines = [f"{FACTS['canteen_name']}: lunch menu for {long_date(date)} (week {week})", ""]
            for d in dishes:
                mark = " [vegan]" if d["vegan"] else (" [vegetarian]" if d["vegetarian"] else "")
                lines += [f"{labels[d['counter']]}: {d['name']} ({d['code']}){mark}",
                          f"Price €{d['price_eur']:.2f} | protein {d['protein_g']} g | {d['energy_kcal']} kcal",
                          f"Allergens: {allergen_words(d['allergens'])}"]
                # Ingredients that are neither in the name nor among the allergens (coriander in a Thai
                # green curry paste, gelatine in panna cotta) are printed, so the menu alone tells a reader.
                hidden = [t for t in d["ingredients"] if t.rstrip("s") not in d["name"].lower() and t not in d["allergens"]]
                lines += ([f"Also contains: {', '.join(hidden)}"] if hidden else []) + [""]
            lines.append(f"Served {FACTS['lunch_hours']}. Pre-order in the {FACTS['app_name']} app until {FACTS['preorder_deadline']}.")
            docs.append({
                "id": f"menu-w{week:02d}-{day}", "type": "menu",
                "title": f"Canteen menu, {long_date(date)}", "text": "\n".join(lines),
                "date": date.isoformat(), "week": week, "day": day,
                "dishes": [{k: d[k] for k in ("code", "counter", "name", "price_eur", "protein_g", "energy_kcal",
                                              "allergens", "vegetarian", "vegan", "ingredients", "components")} | {"core": d["core"]}
                           for d in dishes],
                "source": "fictional canteen menu written for this course",
            })
    return docs
