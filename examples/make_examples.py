"""Write the example data sets in this folder (deterministic: seeded).

    python examples/make_examples.py

reviews.csv: product reviews (review_id, product, category, region, review_date, rating, price,
verified, review_text). tickets.csv: support tickets (ticket_id, created_at, channel, priority,
customer_tier, product, text, topic). The texts are composed from phrases whose tone matches the
rating or the ticket's topic, so sentiment and classification questions have checkable answers.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

PRODUCTS = {
    "Aurora Headphones": ("audio", 89.0),
    "Nimbus Speaker": ("audio", 129.0),
    "Pulse Smartwatch": ("wearables", 199.0),
    "Stride Fitness Band": ("wearables", 59.0),
    "Vista Monitor": ("computing", 249.0),
    "Quill Keyboard": ("computing", 79.0),
    "Echo Coffee Maker": ("kitchen", 119.0),
    "Breeze Air Fryer": ("kitchen", 99.0),
}
REGIONS = ["North", "South", "East", "West"]

POSITIVE = [
    "Absolutely love the {thing}, it works perfectly.",
    "Great {thing}, easy to set up and the quality is excellent.",
    "Fantastic value for the price, I would buy it again.",
    "Really happy with the {thing}. Fast delivery too.",
    "The {thing} exceeded my expectations, highly recommend it.",
    "Excellent build quality and the battery lasts for days.",
    "Works great, my whole family enjoys using it every day.",
]
NEUTRAL = [
    "The {thing} is okay, it does what it says.",
    "Average product. Setup was fine but nothing special.",
    "It works, although the instructions could be clearer.",
    "Decent {thing} for the price, some features are missing.",
]
NEGATIVE = [
    "Terrible {thing}, it stopped working after two weeks.",
    "Very disappointed. The {thing} arrived broken and support never replied.",
    "Poor quality and far too expensive, I want a refund.",
    "The battery dies quickly and the app keeps crashing. Awful.",
    "Worst purchase this year, the {thing} is loud and slow.",
    "Broke on the first day. Do not buy this {thing}.",
]
THINGS = {"audio": "sound", "wearables": "tracker", "computing": "screen", "kitchen": "machine"}


def make_reviews(rng: random.Random, n: int = 400) -> list[dict[str, object]]:
    rows = []
    start = date(2023, 1, 1)
    product_bias = {p: rng.uniform(-0.8, 0.8) for p in PRODUCTS}
    for i in range(1, n + 1):
        product = rng.choice(list(PRODUCTS))
        category, base_price = PRODUCTS[product]
        day = start + timedelta(days=rng.randrange(0, 730))
        rating = max(1, min(5, round(rng.gauss(3.7 + product_bias[product], 1.1))))
        pool = POSITIVE if rating >= 4 else NEUTRAL if rating == 3 else NEGATIVE
        text = rng.choice(pool).format(thing=THINGS[category])
        if rng.random() < 0.3:
            text += " " + rng.choice(pool).format(thing=product.split()[-1].lower())
        rows.append(
            {
                "review_id": i,
                "product": product,
                "category": category,
                "region": rng.choice(REGIONS),
                "review_date": day.isoformat(),
                "rating": rating,
                "price": round(base_price * rng.uniform(0.85, 1.1), 2),
                "verified": rng.random() < 0.8,
                "review_text": text,
            }
        )
    return rows


TICKET_TEXT = {
    "billing": [
        "I was charged twice for my subscription this month, please refund the duplicate payment.",
        "My invoice shows the wrong amount, can you correct the billing?",
        "Why did my card get charged after I cancelled? I need a refund.",
        "The payment failed but the money left my account.",
    ],
    "delivery": [
        "My order has not arrived yet and the tracking number does not work.",
        "The package was delivered to the wrong address.",
        "Delivery is two weeks late, where is my parcel?",
        "The courier left the box outside in the rain and it is damaged.",
    ],
    "technical": [
        "The app crashes every time I open the settings page.",
        "I cannot pair the device with my phone over Bluetooth.",
        "The firmware update failed and now the device will not turn on.",
        "Login keeps failing with an error code 500.",
    ],
    "account": [
        "I forgot my password and the reset email never arrives.",
        "Please change the email address on my account.",
        "How do I delete my account and all my data?",
        "My account was locked after too many login attempts.",
    ],
}
URGENT_SUFFIX = [" This is urgent!", " I need this fixed today.", " Extremely frustrated, please help ASAP."]


def make_tickets(rng: random.Random, n: int = 300) -> list[dict[str, object]]:
    rows = []
    start = datetime(2024, 1, 1, 8, 0)
    for i in range(1, n + 1):
        topic = rng.choices(list(TICKET_TEXT), weights=[3, 3, 4, 2])[0]
        priority = rng.choices(["low", "medium", "high"], weights=[3, 5, 2])[0]
        text = rng.choice(TICKET_TEXT[topic])
        if priority == "high":
            text += rng.choice(URGENT_SUFFIX)
        rows.append(
            {
                "ticket_id": 1000 + i,
                "created_at": (start + timedelta(minutes=rng.randrange(0, 60 * 24 * 180))).isoformat(sep=" "),
                "channel": rng.choice(["email", "chat", "phone", "web"]),
                "priority": priority,
                "customer_tier": rng.choices(["free", "pro", "enterprise"], weights=[5, 3, 1])[0],
                "product": rng.choice(list(PRODUCTS)),
                "text": text,
                "topic": topic if rng.random() < 0.5 else "",
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(20261128)
    write_csv(HERE / "reviews.csv", make_reviews(rng))
    write_csv(HERE / "tickets.csv", make_tickets(rng))


if __name__ == "__main__":
    main()
