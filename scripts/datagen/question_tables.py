"""The fixed wording of the evaluation questions; `questions.build_questions` turns it into rows.

Answers to nutrition and menu questions are never typed here: they are read from the sheets
and dish records. Guide facts are typed, and the build asserts each one is in its guide.
"""
from __future__ import annotations

# Any of these in a reply counts as declining to answer.
REFUSALS = ["i don't know", "i do not know", "i'm not sure", "not in the", "no information", "don't have",
            "do not have", "cannot find", "can't find", "not available", "isn't in", "is not in", "not listed"]
# How people name a counter's dish.
COUNTER_WORDS = {
    "grill": ["the grill dish", "the dish from the grill", "the grill main"],
    "green": ["the vegetarian main", "the green counter dish", "the veggie main"],
    "soup": ["the soup", "the soup of the day", "the day's soup"],
    "sweet": ["the dessert", "the sweet", "the pudding"],
}
# static facts: the food as a person would name it; the nutrient asked cycles through the keys.
QUESTION_FOODS = [("16070", "boiled lentils"), ("16126", "firm tofu"), ("16057", "boiled chickpeas"),
                  ("12014", "dried pumpkin seeds"), ("12006", "chia seeds"), ("01015", "2% low-fat cottage cheese"),
                  ("09148", "green kiwifruit"), ("11090", "raw broccoli"), ("12151", "raw pistachios"),
                  ("09302", "raw raspberries"), ("09037", "avocado"), ("11529", "raw red tomatoes"),
                  ("16158", "shop-bought hummus"), ("01019", "feta cheese"), ("20137", "cooked quinoa"),
                  ("16109", "boiled soybeans"), ("11508", "baked sweet potato"), ("12012", "hulled hemp seeds"),
                  ("16159", "extra firm tofu"), ("20125", "cooked wholewheat pasta"), ("01118", "plain skimmed-milk yogurt"),
                  ("09040", "raw banana"), ("16015", "boiled black beans"), ("11959", "rocket (arugula)")]
NUTRIENT_KEYS = ["protein_g", "fibre_g", "energy_kcal", "sodium_mg", "calcium_mg", "vitamin_c_mg", "iron_mg",
                 "potassium_mg", "sugar_g", "fat_g"]
NUTRIENT_FORMS = ["How much {label} is in 100 g of {food}?", "What's the {label} content of {food} per 100 g?",
                  "Per 100 g, how much {label} is in {food}?", "{Food}: how much {label} per 100 grams?",
                  "I'm logging {food}. What's the {label} per 100 g?", "how much {label} in 100g {food}",
                  "Could you tell me the {label} in 100 g of {food}?"]
# (question, answer, accepted spellings, guide id)
GUIDE_FACTS = [
    ("What time do pre-orders close in the canteen app?", "10:00", ["10:00", "10 am", "10am", "10.00"], "guide-01"),
    ("Until what time is lunch served at the Harbour Lane Canteen?", "14:15", ["14:15", "2:15 pm", "14.15", "2.15"], "guide-01"),
    ("When does the breakfast bar open?", "7:45", ["7:45", "07:45", "7.45", "7:45 am"], "guide-01"),
    ("What is the deposit for a reusable takeaway box at the canteen?", "€2.00", ["€2", "2.00", "2 euros", "2,00"], "guide-01"),
    ("When is next week's canteen menu published?", "Thursday at 15:00", ["thursday", "15:00"], "guide-01"),
    ("Until what time is a pre-ordered plate kept warm on the pick-up shelf?", "13:30", ["13:30", "1:30 pm", "13.30"], "guide-01"),
    ("What waste target per meal has the canteen set for this year?", "40 g", ["40 g", "40g", "40 grams"], "guide-01"),
    ("Who is the head chef at the Harbour Lane Canteen?", "Tomasz Wróbel", ["wróbel", "wrobel", "tomasz"], "guide-01"),
    ("How do you convert sodium to salt?", "2.5", ["2.5", "2,5", "× 2.5", "times 2.5"], "guide-06"),
    ("How much protein must a vegetarian main at the canteen contain at minimum?", "15 g", ["15 g", "15g", "15 grams"], "guide-11"),
    ("For how many weeks does the canteen avoid repeating a dish name?", "8 weeks", ["eight weeks", "8 weeks"], "guide-11"),
    ("How far away are the farms the canteen buys its meat from?", "300 km", ["300 km", "300km", "300 kilometres"], "guide-11"),
]

# Where a guide fact is stated: a pattern over lower-cased document text, keyed by the gold answer.
# Every document (guide or menu) that matches holds the answer and goes into gold_doc_ids; the
# menus, for example, print the lunch hours and the pre-order deadline at the bottom of every day.
FACT_EVIDENCE = {
    "10:00": r"pre-orders close at 10:00|pre-order deadline: 10:00|pre-order in the hlc lunch app until 10:00",
    "14:15": r"lunch is served from 11:30 to 14:15|lunch: 11:30 to 14:15|served 11:30 to 14:15",
    "7:45": r"breakfast bar opens earlier, from 7:45|breakfast bar: 7:45",
    "€2.00": r"deposit of €2\.00|box deposit: €2\.00",
    "Thursday at 15:00": r"published every thursday at 15:00|published: thursday at 15:00",
    "13:30": r"pick-up shelf until 13:30",
    "40 g": r"less than 40 g of waste per meal",
    "Tomasz Wróbel": r"head chef, tomasz wróbel",
    "2.5": r"salt \(g\) = sodium \(g\) × 2\.5",
    "15 g": r"at least 15 g of protein per portion|15 g protein minimum at the green counter",
    "8 weeks": r"not repeated within eight weeks",
    "300 km": r"farms within 300 km",
}

# preference: per context, the liked foods that make a good answer. The words that break the profile
# are not listed here: every avoid list is course_lib.evaluation.grading.profile_avoid_terms(profile).
PREFERENCE_LIKES = {
    "breakfast": ["cottage cheese", "yogurt", "tofu", "berries", "chia", "raspberries", "soy"],
    "snack": ["cottage cheese", "yogurt", "pumpkin seeds", "hummus", "almonds", "edamame", "tofu", "chickpeas"],
    "post_workout": ["cottage cheese", "yogurt", "tofu", "tempeh", "lentils", "soy", "milk"],
    "dinner": ["lentils", "tofu", "tempeh", "chickpeas", "beans", "sweet potato", "spinach"],
    "salad": ["chickpeas", "lentils", "pumpkin seeds", "feta", "tofu", "beans", "hemp"],
    "spread": ["hummus", "cottage cheese", "ricotta", "tahini", "almond butter"],
    "curry": ["chickpeas", "lentils", "tofu", "paneer", "spinach", "sweet potato"],
}
PREFERENCE_QUESTIONS = [
    ("breakfast", "I need a breakfast that keeps me full until lunch. What should I eat?"),
    ("breakfast", "What's a good high-protein breakfast for me before work?"),
    ("breakfast", "suggest something for sunday brunch pls"),
    ("breakfast", "I have five minutes in the morning. Breakfast idea?"),
    ("snack", "What can I snack on at my desk around 4 pm?"),
    ("snack", "Give me a protein snack I can keep in my bag."),
    ("snack", "Something savoury to nibble in the evening that won't wreck my goals?"),
    ("snack", "Road trip tomorrow - what snacks should I pack?"),
    ("post_workout", "What should I eat right after my strength session tonight?"),
    ("post_workout", "Best thing to refuel with after lifting?"),
    ("post_workout", "Just finished leg day and I'm starving. What now?"),
    ("dinner", "What should I cook for dinner tonight? I have about 20 minutes."),
    ("dinner", "Ideas for a filling dinner on a rest day?"),
    ("dinner", "I want something warm and spicy for dinner. Suggestions?"),
    ("dinner", "What's a good meal to batch-cook on Sunday for the week?"),
    ("salad", "How can I make my lunch salad more filling?"),
    ("salad", "What should I put on a salad to get more protein?"),
    ("salad", "My salads leave me hungry by 3 pm. What should I add?"),
    ("spread", "What can I spread on toast instead of butter to get some protein?"),
    ("spread", "Good sandwich filling for work tomorrow?"),
    ("spread", "What should go on my rice cakes?"),
    ("curry", "I'm making a curry tonight. Which protein should I put in?"),
    ("curry", "What goes well in a coconut curry for me?"),
    ("curry", "Planning a curry night with friends - what should the main ingredient be?"),
]

# vague: indirect wording of facts that are in the sheets and guides
VAGUE_NUTRITION = [
    ("What's the protein in 100 g of that sticky, stringy Japanese fermented bean stuff?", "16113", "protein_g"),
    ("The fuzzy brown fruit with bright green flesh: how much vitamin C per 100 g?", "09148", "vitamin_c_mg"),
    ("How salty is the spicy Korean fermented cabbage? Sodium per 100 g please.", "11118", "sodium_mg"),
    ("Those tiny seeds people soak into a pudding - how much fibre per 100 g?", "12006", "fibre_g"),
    ("Energy in 100 g of the creamy green fruit everyone mashes on toast?", "09037", "energy_kcal"),
    ("How much of the bone mineral is in 100 g of firm bean curd?", "16126", "calcium_mg"),
    ("How much potassium is in a hundred grams of the curved yellow fruit, the sweet one eaten raw, not the plantain?", "09040", "potassium_mg"),
    ("The orange split pulses sold dry for dal: how much iron per 100 g?", "16144", "iron_mg"),
    ("That chickpea dip you buy in tubs - fat per 100 g?", "16158", "fat_g"),
    ("How much sodium is in 100 g of the dark salty sauce you dip sushi in?", "16123", "sodium_mg"),
    ("The peppery salad leaf Italians call rucola: how much calcium per 100 g?", "11959", "calcium_mg"),
    ("Sugar in 100 g of the wrinkly dried plums?", "09291", "sugar_g"),
    ("Soy drink without added vitamins or calcium: calcium per 100 g?", "16120", "calcium_mg"),
    ("The pressed cake of fermented soybeans from Indonesia, uncooked: protein per 100 g?", "16114", "protein_g"),
    ("Shelled green seeds from a Halloween pumpkin, dried: how much protein per 100 g?", "12014", "protein_g"),
    ("The tropical fruit that supposedly beats oranges on vitamin C: how much per 100 g?", "09139", "vitamin_c_mg"),
    ("Flour made from ground chickpeas for pakoras: protein per 100 g?", "16157", "protein_g"),
    ("The crumbly Greek brine cheese: sodium per 100 g?", "01019", "sodium_mg"),
]
VAGUE_GUIDES = [
    ("Until what time can I still grab a hot plate at lunch?", "14:15", ["14:15", "2:15 pm", "14.15"], "guide-01"),
    ("How much do I pay up front to borrow one of the returnable lunch containers?", "€2.00", ["€2", "2.00", "2 euros"], "guide-01"),
    ("What do I multiply the mineral number on a sheet by to get the table-salt number?", "2.5", ["2.5", "2,5"], "guide-06"),
    ("By when do I have to reserve my plate on my phone?", "10:00", ["10:00", "10 am", "10am", "10.00"], "guide-01"),
    ("Who's the person in charge of the kitchen I should talk to about a serious allergy?", "Tomasz Wróbel", ["wróbel", "wrobel"], "guide-01"),
    ("When does the plan for the following week's food go up?", "Thursday at 15:00", ["thursday", "15:00"], "guide-01"),
    ("What's the least protein a veggie main at work is allowed to have?", "15 g", ["15 g", "15g", "15 grams"], "guide-11"),
    ("How many grams of leftovers per plate is the kitchen trying to stay under?", "40 g", ["40 g", "40g"], "guide-01"),
]

# unanswerable: only the canteen could know, and none of its documents says: private facts, dish codes
# that were never issued (codes run D-100 to D-899), dates outside weeks 2-10 of 2026, and figures the
# menus do not print (guide-11 says the board shows no sodium, fibre or micronutrients). No question
# here is a public nutrition fact that any food table answers.
UNANSWERABLE = [
    "What is on the canteen menu for Monday 6 April 2026?",
    "How much does the truffle burger cost at the canteen?",
    "Is dish D-042 vegetarian?",
    "Which dish did the grill serve on Friday 27 March 2026?",
    "How many seats are there in the Harbour Lane Canteen?",
    "How much sodium is in the green counter dish on Tuesday 13 January 2026?",
    "Which company supplies the canteen's tofu?",
    "What dessert was served at the canteen on Friday 12 December 2025?",
    "What is the Wi-Fi password in the canteen?",
    "How much did the green counter dish cost on Tuesday 31 March 2026?",
    "What is the name of the canteen's sous-chef?",
    "What is the price of dish D-999?",
    "Which allergens does dish D-077 contain?",
    "How much fibre does the soup on Wednesday 4 February 2026 contain?",
    "How many lunches did the canteen sell on Monday 12 January 2026?",
    "What are the opening hours of the canteen's sushi bar?",
    "How much does a visitor day pass for the canteen cost?",
    "What was the price of the soup on Friday 2 January 2026?",
    "What was the soup of the day on Wednesday 15 April 2026?",
    "How many calories are in the porridge at the breakfast bar?",
    "How much does a cappuccino cost at the canteen's coffee corner?",
    "What will the grill dish be on Monday 9 March 2026?",
    "How much zinc is in the grill dish on Thursday 22 January 2026?",
    "What is the sugar content of the canteen's oat milk latte?",
]
