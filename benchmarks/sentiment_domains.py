"""The labelled sentiment domains under ``../shared/data/sentiment`` as one list, for leave-one-domain-out scoring.

Why one module: the benchmark (benchmarks/text_models.py), the LLM labeller (benchmarks/sentiment_llm.py) and the
training script's leave-out option must agree on what a domain is and on which rows are sampled, or their numbers
cannot sit in one table. A domain is one data file (the UCI sentences split by their three sources, because
their IMDb part is the closest local proxy for movie-review sentences); each has a kind (tweets, short or long
reviews, news) and the label set it was annotated with (binary sets have no neutral).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Domain:
    name: str  # short, used in tables and as the --leave-out value
    path: str  # relative to the sentiment data folder
    kind: str  # tweets / short reviews / long reviews / news / review segments / sentences
    three_class: bool  # annotated negative / neutral / positive (else only negative / positive)
    licence: str  # what MANIFEST.md says; only the training script decides what may be shipped
    source: str | None = None  # the value of the `source` column, when a file holds several domains


DOMAINS: tuple[Domain, ...] = (
    Domain("uci_imdb", "uci_sentences.csv", "movie sentences", False, "CC BY 4.0", "imdb"),
    Domain("uci_amazon", "uci_sentences.csv", "short reviews", False, "CC BY 4.0", "amazon"),
    Domain("uci_yelp", "uci_sentences.csv", "short reviews", False, "CC BY 4.0", "yelp"),
    Domain("alexa", "amazon_alexa.tsv", "short reviews", True, "not stated"),
    Domain("tweet_extraction", "train/tweet_sentiment_extraction.csv", "tweets", True, "CC BY 4.0"),
    Domain("sanders", "train/sanders_twitter.csv", "tweets", True, "unclear"),
    Domain("apple_tweets", "train/crowdflower_apple_tweets.csv", "tweets", True, "not stated"),
    Domain("airline", "train/twitter_us_airline.csv", "tweets", True, "CC BY-NC-SA 4.0"),
    Domain("brand_tweets", "train/crowdflower_brand_product_tweets.csv", "tweets", True, "not stated"),
    Domain("sentiment140", "train/sentiment140_sample.csv", "tweets", False, "research use"),
    Domain("fin_tweets", "train/twitter_financial_news.csv", "news", True, "MIT"),
    Domain("fin_phrasebank", "train/financial_phrasebank.csv", "news", True, "CC BY-NC-SA 3.0"),
    Domain("blitzer", "train/blitzer_multidomain_amazon.csv", "long reviews", False, "research use"),
    Domain("yelp", "train/yelp_reviews_sample.csv", "long reviews", True, "non-commercial"),
    Domain("app_store", "train/app_store_reviews.csv", "long reviews", True, "not stated"),
    Domain("amazon_misc", "train/amazon_reviews_misc.csv", "short reviews", True, "mixed (CC0, Apache-2.0, none)"),
    Domain("zomato", "train/zomato_restaurant_reviews.csv", "short reviews", True, "not stated"),
    Domain("booking", "train/booking_hotel_review_segments.csv", "review segments", False, "CC0"),
    Domain("semeval_absa", "train/semeval2014_absa_sentences.csv", "sentences", True, "research use"),
)
BY_NAME = {d.name: d for d in DOMAINS}


def load_domain(data_dir: Path, domain: Domain) -> pd.DataFrame:
    """All rows of a domain as columns text, label (negative / neutral / positive), source."""
    path = data_dir / domain.path
    if domain.path == "uci_sentences.csv":
        raw = pd.read_csv(path)
        raw = raw[raw["source"] == domain.source]
        df = pd.DataFrame(
            {
                "text": raw["sentence"],
                "label": raw["label"].map({1: "positive", 0: "negative"}),
                "source": raw["source"],
            }
        )
    elif domain.path == "amazon_alexa.tsv":
        raw = pd.read_csv(path, sep="\t", encoding="utf-8-sig")
        stars = raw["rating"].astype(int)
        label = stars.map(lambda r: "negative" if r <= 2 else "neutral" if r == 3 else "positive")
        df = pd.DataFrame({"text": raw["verified_reviews"], "label": label, "source": "amazon_alexa"})
    else:
        df = pd.read_csv(path, usecols=["text", "label", "source"])
        if domain.source is not None:
            df = df[df["source"] == domain.source]
    df = df.dropna(subset=["text", "label"])
    df = df.assign(text=df["text"].astype(str).str.strip())
    return df[(df["text"].str.len() > 0) & df["label"].isin(LABELS)].reset_index(drop=True)


def stable_order(texts: pd.Series, seed: int) -> pd.Index:
    """A seeded order that does not depend on pandas' or numpy's generators: sort by a hash of (seed, text)."""
    keys = texts.map(lambda t: hashlib.sha1(f"{seed}\x00{t}".encode()).hexdigest())
    return keys.sort_values(kind="stable").index


def sample_domain(data_dir: Path, domain: Domain, n: int, seed: int = 0) -> pd.DataFrame:
    """The first ``n`` rows of the domain in its seeded order; the first 300 are the LLM's sample, so
    every smaller sample is a prefix of every larger one and cached answers stay valid."""
    df = load_domain(data_dir, domain).drop_duplicates("text")
    return df.loc[stable_order(df["text"], seed)[:n]].reset_index(drop=True)
