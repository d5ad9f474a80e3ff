"""The fixed wording of the evaluation questions; `questions.build_questions` turns it into rows.

Answers to nutrition and menu questions are never typed here: they are read from the sheets
and dish records. Guide facts are typed, and the build asserts each one is in its guide.
"""
from __future__ import annotations

# Any of these in a reply counts as declining to answer.
REFUSALS = ["i don't know", "i do not know", "i'm not sure", "not in the", "no information", "don't have",
            "do not have", "cannot find", "can't find", "not available", "isn't in", "is not in", "not listed"]
# How people name a counter's dish, and which words in an answer mean a dish Maya can't eat.
COUNTER_WORDS = {
    "grill": ["the grill dish", "the dish from the grill", "the grill main"],
    "green": ["the vegetarian main", "the green counter dish", "the veggie main"],
    "soup": ["the soup", "the soup of the day", "the day's soup"],
    "sweet": ["the dessert", "the sweet", "the pudding"],
}
TAG_WORDS = {"chicken": ["chicken"], "beef": ["beef"], "pork": ["pork"], "salmon": ["salmon"], "fish": ["fish"],
             "cod": ["cod"], "turkey": ["turkey"], "lamb": ["lamb"], "prawns": ["prawns", "prawn"],
             "trout": ["trout"], "hake": ["hake"], "duck": ["duck"], "gelatine": ["gelatine"],
             "eggs": ["egg", "eggs"], "mushrooms": ["mushroom", "mushrooms"], "coriander": ["coriander"],
             "aubergine": ["aubergine"], "peanuts": ["peanut", "peanuts", "satay"]}

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
    ("How long is a pre-ordered plate kept on the pick-up shelf?", "13:30", ["13:30", "1:30 pm", "13.30"], "guide-01"),
    ("What waste target per meal has the canteen set for this year?", "40 g", ["40 g", "40g", "40 grams"], "guide-01"),
    ("Who is the head chef at the Harbour Lane Canteen?", "Tomasz Wróbel", ["wróbel", "wrobel", "tomasz"], "guide-01"),
    ("How do you convert sodium to salt?", "2.5", ["2.5", "2,5", "× 2.5", "times 2.5"], "guide-06"),
    ("How much protein must a vegetarian main at the canteen contain at minimum?", "15 g", ["15 g", "15g", "15 grams"], "guide-11"),
    ("For how many weeks does the canteen avoid repeating a dish name?", "8 weeks", ["eight weeks", "8 weeks"], "guide-11"),
    ("How far away are the farms the canteen buys its meat from?", "300 km", ["300 km", "300km", "300 kilometres"], "guide-11"),
]

# preference: per context, (liked foods that make a good answer, words that break the profile)
PREFERENCE_TERMS = {
    "breakfast": (["cottage cheese", "yogurt", "tofu", "berries", "chia", "raspberries", "soy"],
                  ["egg", "eggs", "omelette", "bacon", "ham", "peanut", "sausage", "salmon", "mushrooms"]),
    "snack": (["cottage cheese", "yogurt", "pumpkin seeds", "hummus", "almonds", "edamame", "tofu", "chickpeas"],
              ["peanut", "peanuts", "egg", "eggs", "jerky", "tuna", "chicken"]),
    "post_workout": (["cottage cheese", "yogurt", "tofu", "tempeh", "lentils", "soy", "milk"],
                     ["chicken", "tuna", "egg", "eggs", "peanut", "whey", "beef"]),
    "dinner": (["lentils", "tofu", "tempeh", "chickpeas", "beans", "sweet potato", "spinach"],
               ["chicken", "salmon", "beef", "mushroom", "mushrooms", "egg", "eggs", "aubergine", "peanut"]),
    "salad": (["chickpeas", "lentils", "pumpkin seeds", "feta", "tofu", "beans", "hemp"],
              ["chicken", "tuna", "egg", "eggs", "bacon", "anchovies", "peanuts", "salmon"]),
    "spread": (["hummus", "cottage cheese", "ricotta", "tahini", "almond butter"],
               ["peanut", "ham", "egg", "eggs", "tuna"]),
    "curry": (["chickpeas", "lentils", "tofu", "paneer", "spinach", "sweet potato"],
              ["chicken", "lamb", "prawns", "coriander", "aubergine", "peanut", "fish", "egg", "eggs"]),
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
    ("How much potassium does a hundred grams of the curved yellow fruit give?", "09040", "potassium_mg"),
    ("The orange split pulses sold dry for dal: how much iron per 100 g?", "16144", "iron_mg"),
    ("That chickpea dip you buy in tubs - fat per 100 g?", "16158", "fat_g"),
    ("How much sodium is in 100 g of the dark salty sauce you dip sushi in?", "16123", "sodium_mg"),
    ("The peppery salad leaf, how much calcium per 100 g?", "11959", "calcium_mg"),
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

# unanswerable: plausible, but nothing in the documents answers them
UNANSWERABLE = [
    "What is on the canteen menu for Monday 6 April 2026?",
    "How much does the truffle burger cost at the canteen?",
    "How much vitamin B12 is in 100 g of tempeh?",
    "How much protein is in 100 g of rolled oats?",
    "How much omega-3 do chia seeds contain per 100 g?",
    "How much sodium is in the green counter dish on Tuesday 13 January 2026?",
    "Which company supplies the canteen's tofu?",
    "What dessert was served at the canteen on Friday 12 December 2025?",
    "How much caffeine is in the canteen's filter coffee?",
    "What is the glycaemic index of cooked quinoa?",
    "How many grams of protein are in 100 g of Greek yogurt?",
    "What is the price of dish D-999?",
    "How much vitamin D is in 100 g of portobello mushrooms?",
    "How much fibre does the soup on Wednesday 4 February 2026 contain?",
    "How much protein is in 100 g of seitan?",
    "What are the opening hours of the canteen's sushi bar?",
    "How much does a visitor day pass for the canteen cost?",
    "What was the price of the soup on Friday 2 January 2026?",
    "How much potassium is in Greek yogurt per 100 g?",
    "How many calories are in the porridge at the breakfast bar?",
    "How much iron is in 100 g of walnuts?",
    "What will the grill dish be on Monday 9 March 2026?",
    "How much zinc is in the grill dish on Thursday 22 January 2026?",
    "What is the sugar content of the canteen's oat milk latte?",
]
