"""Every word list the planners consult, in one place.

The offline parser reads questions with these words, and the LLM planner's checks and repairs
(llm/sanity.py, llm/repair.py) read the same ones, so "not", "each" or "twelve" mean one thing
everywhere. Only the cue phrase table (offline/cues.py: phrase -> what to compute) keeps its own
rows, and it builds its negation rows from the words here. Stems computed from these words
(FILLER_STEMS, STOP_STEMS) live beside the stemmer in offline/text.py.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------- numbers
CARDINALS = {
    w: n
    for n, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    )
}
TENS = {"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
ROUND_NUMBERS = {"hundred": 100, "thousand": 1000}
COUNT_WORDS = {"once": 1, "twice": 2, "single": 1, "dozen": 12}
ORDINALS = {
    w: n + 1
    for n, w in enumerate(
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    )
}
# What the offline parser reads as a number ("at least two", "twelve"); the LLM checks read
# SPOKEN_NUMBERS, with ordinals ("the third") and without the tens.
NUMBER_WORDS: dict[str, int] = {**CARDINALS, **TENS, **ROUND_NUMBERS, **COUNT_WORDS}
SPOKEN_NUMBERS: dict[str, float] = {
    w: float(n) for w, n in {**CARDINALS, **ORDINALS, **COUNT_WORDS, **ROUND_NUMBERS}.items()
}
ONE_TO_TEN = frozenset(w for w, n in CARDINALS.items() if 1 <= n <= 10)  # never a column's name on their own

# ---------------------------------------------------------------- logic
# Words that turn a condition around ("not in Oslo", "never", "without"), and phrases that exclude.
NEGATIONS = ("not", "no", "never", "without")
EXCLUSIONS = ("except", "excluding", "other than", "besides", "apart from")
# "each" asks for one answer per group; "per" does not ("miles per hour" is a unit), nor "for every"
# ("the average for every company" is over all of them).
EACH = ("for each", "each")
DISTINCT_WORDS = ("different", "distinct", "unique")
AVERAGE_WORDS = ("average", "avg", "mean")
TOTAL_WORDS = ("total",)
# Stored values that say "no" ("approved = 'No'" excludes, as a NOT would).
NEGATIVE_VALUES = _words("no n false f none 0")
# Words between "not"/"never" and what is not had or done ("do not have any"): read as part of the anti-join.
ANTI_WORDS = _words("do does did have has had any those for ever")

# ---------------------------------------------------------------- superlatives
# Superlatives that name a column's maximum or minimum ("less than the lowest revenue").
EXTREME_WORDS = _words("maximum max highest largest biggest greatest minimum min lowest smallest")
# Words that flip a ranking in a follow-up ("what about the lowest"), and those among them that ask for the minimum.
FLIP_WORDS = _words(
    "lowest highest smallest largest least most fewest biggest minimum maximum cheapest oldest youngest bottom top"
)
MIN_WORDS = _words("lowest smallest least fewest minimum cheapest youngest bottom")

# ---------------------------------------------------------------- function words
# Words that carry no content of their own: when every other word of a question is understood,
# these may remain without making the planner doubt its reading.
FILLER = _words(
    "a an the of to in on at for by from with without and or is are was were be been being am what which who"
    " whom whose where when how that this these those there their them they it its do does did done doing have"
    " has had having can could would should will shall may might must me my we our us you your i please tell"
    " show list give find return display get see let want need know all every each any some also just only"
    " both either neither than then as into per one ones thing things value values entry entries record"
    " records row rows item items kind information info data table dataset database listed given corresponding"
    " respective respectively along together whole entire overall currently current exist exists existing"
    " available registered recorded stored known out up about so such other others else same here way ways via"
    " among amongst within live lives living lived work works working worked teach teaches taught located"
    " based belong belongs belonging presently too again now instead okay ok full made offered report compute"
    " calculate provide identify enumerate retrieve fetch select manner sort"
)
# Function words: never linked to a column on their own (filler content words like "located" may be).
STOPWORDS = _words(
    "a an the of to in on at for by from with and or is are was were be been am what which who whom whose"
    " where when how that this these those there their them they it its do does did have has had me my we our"
    " us you your i all each every any some than then as into per"
)
# Words between a column and its value or bound ("whose age is", "the price of"): skipped when looking back.
COPULA = _words("is are was were be of has have had with whose that equal to the a an = at in on for")
# Words that change what is asked even when they name no column: never read past them.
LOADED_WORDS = _words(
    "female male females males men women man woman boys girls boy girl after before since until first last"
    " worst best expensive cheap total order name names number numbers date dates but don't not no both either"
    " neither average most least more less ago recent recently new old young same only"
)

# ---------------------------------------------------------------- verbs
# Verbs and adverbs that are often left over once the columns and values are found ("Who directed",
# "used", "happened", "how often"): reading past them is safe; nouns are not (they may be columns).
VERBS = _words(
    "take takes took taken make makes made buy buys bought sell sells sold write writes wrote written spend"
    " spends spent go goes went gone get gets got run runs ran hold holds held win wins won lose loses lost"
    " pay pays paid send sends sent build builds built give gives gave given see sees saw seen own owns use"
    " uses suffer suffers advise advises charge accommodate accommodates originate originates happen happens"
    " receive receives serve serves play plays come comes came offer offers speak speaks sing sings sang sung"
    " bring brings brought keep keeps kept leave leaves left meet meets met hire hires visit visits attend"
    " attends host hosts produce produces create creates manage manages lead leads led join joins enroll"
    " enrolls register registers open opens close closes start starts begin begins began begun finish finishes"
    " end ends times often used using"
)
# Verbs of being used or appearing, between a column and "most often" ("the code that appears the most often").
USAGE_VERBS = _words(
    "used use uses appears appear appeared occurs occur occurred happens chosen seen listed found have has had"
)
# Left-over words that never name a column ("the payment method used by ...", "the product called X",
# "payments processed with Visa", "years spent working"): reading past them is safe even when
# another word matched a column only in part.
LIGHT_VERBS = _words(
    "use uses used using called named processed spent during owned own owns taking opened released purchased"
    " generated posted grouped participated participate"
)


def looks_like_verb(word: str) -> bool:
    """A verb, or a word shaped like one ("directed", "living", "recently")."""
    if word in VERBS:
        return True
    return len(word) >= 5 and (word.endswith("ed") or word.endswith("ing") or word.endswith("ly"))


# ---------------------------------------------------------------- nouns and concepts
# Generic head nouns said after a column's own words ("the snatch score" for a column Snatch).
HEAD_NOUNS = _words(
    "number numbers score scores rate rates value values amount amounts level levels figure figures type"
    " types kind kinds status statuses category categories date dates"
)
# Words a shown key column is named by ("the customer ids").
KEY_WORDS = _words("id ids code codes number numbers key keys no")
# Stems of words that ask about the data's structure ("which columns", "describe the schema").
SCHEMA_STEMS = _words("column field schema attribut tabl variabl")
# Stems of column names for the concept a word implies ("oldest": age, "cheaper": price).
CONCEPT_STEMS = {
    "age": {"age"},
    "price": {"price", "cost"},
    "salary": {"salari", "wage", "incom", "earn", "pay"},
    "weight": {"weight"},
    "height": {"height"},
    "length": {"length", "durat", "distanc"},
    "short": {"length", "durat", "distanc", "height"},
}
FEMALE_VALUES = _words("f female woman women w")
MALE_VALUES = _words("m male man men")
# "female students", "boys": the stored values of a sex/gender column each word asks for.
GENDER_WORDS = {w: FEMALE_VALUES for w in ("female", "females", "women", "woman", "girls", "girl")} | {
    w: MALE_VALUES for w in ("male", "males", "men", "man", "boys", "boy")
}
# Plain English words that mean the same as a word of a column name, in any data set.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sex": ("gender",),
    "gender": ("sex",),
    "surname": ("last name", "family name"),
    "forename": ("first name",),
    "nationality": ("citizenship",),
    "dob": ("birthday",),
    "birthday": ("birth date", "date of birth"),
    "salary": ("wage", "wages"),
    "cost": ("price",),
    "price": ("cost",),
}
# Words of the text-model questions that may instead be a column's name ("the theme of each exhibition").
TEXT_INTENT_WORDS = {
    "sentiment": ("sentiment",),
    "topics": ("topic", "theme", "complain", "complaint"),
    "classify": ("label", "tag", "categor", "class"),
    "similar": ("similar",),
}
# Parts of table names that say nothing about what the table holds (has_pet, member_of_club).
TABLE_NAME_FILLER = _words("has have the and for of in to by ref tbl")

# ---------------------------------------------------------------- stems and identifiers
# Irregular plurals and comparatives folded before stemming ("people" meets "person").
IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "mice": "mouse",
    "teeth": "tooth",
    "indices": "index",
    "data": "datum",
    "criteria": "criterion",
    "oldest": "old",
    "youngest": "young",
    "older": "old",
    "younger": "young",
}
# Abbreviations common in column names everywhere (not tied to any data set).
ABBREVIATIONS: dict[str, list[str]] = {
    "fname": ["first", "name"],
    "lname": ["last", "name"],
    "mname": ["middle", "name"],
    "dob": ["date", "of", "birth"],
    "num": ["number"],
    "no": ["number"],
    "nbr": ["number"],
    "qty": ["quantity"],
    "amt": ["amount"],
    "desc": ["description"],
    "descr": ["description"],
    "dept": ["department"],
    "addr": ["address"],
    "yr": ["year"],
    "emp": ["employee"],
    "stu": ["student"],
    "prof": ["professor"],
    "cust": ["customer"],
    "prod": ["product"],
    "cnt": ["count"],
    "pct": ["percent"],
    "info": ["information"],
    "tel": ["telephone"],
    "dt": ["date"],
    "ts": ["timestamp"],
    "avg": ["average"],
    "max": ["maximum"],
    "min": ["minimum"],
    "mgr": ["manager"],
    "sal": ["salary"],
    "cat": ["category"],
    "pos": ["position"],
    "loc": ["location"],
    "lat": ["latitude"],
    "long": ["longitude"],
    "lng": ["longitude"],
    "pop": ["population"],
    "temp": ["temperature"],
    "hrs": ["hours"],
    "mins": ["minutes"],
    "dname": ["department", "name"],
    "pname": ["product", "name"],
    "cname": ["name"],
    "sname": ["name"],
    "gpa": ["gpa"],
    "crs": ["course"],
    "ssn": ["ssn"],
    "hp": ["horsepower"],
    "mpg": ["mpg"],
    "accel": ["acceleration"],
    "cyl": ["cylinders"],
    "std": ["student"],
}

# ---------------------------------------------------------------- time
MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# Calendar units and the time grain each names ("last 3 months", "by week").
TIME_UNITS = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "year": "year",
    "years": "year",
}
# The order a file lists its rows in ("who is listed last", "the first name on the list").
LIST_WORDS = _words("listed list table")
LIST_END_WORDS = {"first": "first", "top": "first", "last": "last", "bottom": "last", "final": "last"}
