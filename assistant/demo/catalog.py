"""Trailhead Outfitters: a deterministic catalog of about 300 running and outdoor products."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

# Attributes the shipped flows filter on (terrain, cushioning, stability, width, fit, use, volume,
# waterproofing, packable) follow fixed cycles rather than random draws, so that every answer path
# of flows/*.yaml ends in products in stock; names, brands, prices, weights and ratings are random.
SHOP_NAME = "Trailhead Outfitters"
CURRENCY = "EUR"
SEED = 7
OUT_OF_STOCK_SHARE = 0.08

BRANDS = ["Tarnwick", "Cairnfield", "Hollowmere", "Brackenridge", "Skarven", "Quillby",
          "Pikefold", "Lumeno", "Driftmark", "Fennick", "Corrieway", "Saltmoor"]
COLORS = ["black", "white", "grey", "navy", "blue", "teal", "green", "olive", "orange", "red",
          "coral", "yellow", "purple"]
FITS = ["women", "men", "unisex"]
_FIT_TITLE = {"women": " (Women's)", "men": " (Men's)", "unisex": ""}
_FIT_TEXT = {"women": "women's fit", "men": "men's fit", "unisex": "unisex fit"}


@dataclass(frozen=True)
class DemoProduct:
    """One generated product: shop fields, free-form attributes, popularity and stock."""

    sku: str
    title: str
    description: str
    price: float
    categories: tuple[str, ...]
    attributes: dict[str, object]
    rating: float
    popularity: float
    stock: int

    def row(self) -> dict[str, object]:
        """The product as an import row, every value written the way a CSV file holds it."""
        row: dict[str, object] = {
            "sku": self.sku, "title": self.title, "description": self.description,
            "url": f"/demo/product/{self.sku}", "image": f"/demo/img/{self.sku}.svg",
            "price": f"{self.price:.2f}", "currency": CURRENCY,
            "categories": "|".join(self.categories), "stock": str(self.stock),
            "rating": f"{self.rating:.1f}",
        }
        row.update((name, _cell(value)) for name, value in self.attributes.items())
        return row


def demo_rows() -> list[dict[str, object]]:
    """Import rows of the whole demo catalog, always the same."""
    return [product.row() for product in demo_products()]


def demo_popularity() -> dict[str, float]:
    """Popularity of every demo product by SKU (the importer does not read it)."""
    return {product.sku: product.popularity for product in demo_products()}


@cache
def demo_products() -> tuple[DemoProduct, ...]:
    """Every demo product, generated from a fixed seed; about 8% are out of stock."""
    rng = random.Random(SEED)
    products = [*_running_shoes(rng), *_backpacks(rng), *_rain_jackets(rng),
                *_socks(rng), *_accessories(rng), *_care(rng)]
    sold_out = set(rng.sample(range(len(products)), round(OUT_OF_STOCK_SHARE * len(products))))
    return tuple(replace(p, stock=0) if i in sold_out else p for i, p in enumerate(products))


def _product(rng: random.Random, sku: str, title: str, description: str, price: float,
             categories: list[str], attributes: dict[str, object]) -> DemoProduct:
    rating = round(min(4.9, max(3.2, rng.gauss(4.3, 0.4))), 1)
    popularity = round(10 * rng.random() ** 2 * rating / 4.9, 3)
    return DemoProduct(sku, title, description, price, tuple(categories), attributes,
                       rating, popularity, rng.randint(2, 60))


def _price(value: float, lo: float, hi: float, step: int = 5) -> float:
    """A shop price ending in .90, never below `lo` nor above `hi`."""
    clamped = min(max(value, lo + step), hi)
    return round(math.floor(clamped / step) * step - 0.10, 2)


def _a(number: int) -> str:
    return "an" if str(number).startswith("8") or number in (11, 18) else "a"


def _cell(value: object) -> str:
    return "|".join(map(str, value)) if isinstance(value, list) else str(value)


def _brand(rng: random.Random, taken: set[str], rest: str) -> str:
    """A random brand whose title `brand rest` is not taken yet (then it is)."""
    brands = rng.sample(BRANDS, len(BRANDS))
    brand = next((b for b in brands if f"{b} {rest}" not in taken), brands[0])
    taken.add(f"{brand} {rest}")
    return brand


def _colors(rng: random.Random) -> list[str]:
    return rng.sample(COLORS, rng.choice([2, 2, 3]))


# Running shoes: 13 models per terrain, each for women and men; every third also wide (unisex).
_SHOE_MODELS = {
    "road": ["Glide", "Tempo", "Cadence", "Meridian", "Halcyon", "Pacer", "Cruise", "Stride",
             "Breeze", "Lumen", "Swift", "Avenue", "Relay"],
    "trail": ["Talus", "Scree", "Ghyll", "Crag", "Switchback", "Tor", "Fell", "Cairn", "Bothy",
              "Kestrel", "Ridgeline", "Corrie", "Bracken"],
    "mixed": ["Towpath", "Bridleway", "Crossing", "Pathfinder", "Gravel", "Drover", "Hedgerow",
              "Byway", "Wayfarer", "Greenway", "Ramble", "Causeway", "Heath"],
}
_TERRAIN_TEXT = {"road": ("", "road"), "trail": (" Trail", "trail"),
                 "mixed": (" All-Terrain", "road-to-trail")}
_CUSHIONING = ["medium", "high", "low", "max"]
_DROPS = {"low": [0, 4, 5, 6], "medium": [6, 8, 8, 10], "high": [8, 10, 10, 12],
          "max": [4, 5, 6, 8]}
_SHOE_BASE = {"low": (80, 215), "medium": (120, 245), "high": (145, 270), "max": (165, 290)}


@dataclass(frozen=True)
class _ShoeModel:
    brand: str
    name: str
    terrain: str
    cushioning: str
    drop_mm: int
    grip: str
    stability: str
    waterproof: str
    price: float
    weight_g: int


def _running_shoes(rng: random.Random) -> list[DemoProduct]:
    products: list[DemoProduct] = []
    taken: set[str] = set()
    for terrain, names in _SHOE_MODELS.items():
        for k, name in enumerate(names):
            model = _shoe_model(rng, terrain, k, name, taken)
            for version in ["women", "men", "wide"] if k % 3 == 2 else ["women", "men"]:
                products.append(_shoe(rng, f"rs-{len(products) + 1:03d}", model, version))
    return products


def _shoe_model(rng: random.Random, terrain: str, k: int, name: str, taken: set[str]) -> _ShoeModel:
    cushioning = _CUSHIONING[k % 4]
    grip = {"road": "medium" if k % 3 == 0 else "low",
            "trail": "medium" if k % 5 == 4 else "high",
            "mixed": "high" if k % 2 else "medium"}[terrain]
    waterproof = terrain != "road" and k % 4 == 3
    base_price, base_weight = _SHOE_BASE[cushioning]
    price = base_price + 20 * waterproof + rng.uniform(-20, 30)
    weight = base_weight + (25 if terrain == "trail" else 0) + 30 * waterproof
    name = f"{name} {rng.randint(1, 9)}"
    return _ShoeModel(_brand(rng, taken, name), name, terrain, cushioning,
                      rng.choice(_DROPS[cushioning]), grip, "support" if k % 3 == 1 else "neutral",
                      "yes" if waterproof else "no", _price(price, 60, 220), weight)


def _shoe(rng: random.Random, sku: str, model: _ShoeModel, version: str) -> DemoProduct:
    gender = "unisex" if version == "wide" else version
    width = "wide" if version == "wide" else "regular"
    weight = model.weight_g - (30 if gender == "women" else 0) + rng.randint(-10, 10)
    suffix, terrain_text = _TERRAIN_TEXT[model.terrain]
    waterproof = model.waterproof == "yes"
    title = (f"{model.brand} {model.name}{suffix}{' WP' if waterproof else ''}"
             + (" Wide" if width == "wide" else _FIT_TITLE[gender]))
    support = "Stability support" if model.stability == "support" else "A neutral ride"
    upper = "a waterproof membrane" if waterproof else "a breathable mesh upper"
    description = (f"A {terrain_text} running shoe with {model.cushioning} cushioning, "
                   f"{_a(model.drop_mm)} {model.drop_mm} mm drop and {model.grip} grip, "
                   f"{weight} g per shoe. {support} in a {width} fit, with {upper}.")
    attributes: dict[str, object] = {
        "terrain": model.terrain, "cushioning": model.cushioning, "drop_mm": model.drop_mm,
        "grip": model.grip, "stability": model.stability, "waterproof": model.waterproof,
        "weight_g": weight, "width": width, "gender": gender, "brand": model.brand,
        "colors": _colors(rng)}
    return _product(rng, sku, title, description, model.price, ["Running shoes"], attributes)


# Hiking backpacks: (use, how many, model names, volumes in litres).
_PACK_LINES = [
    ("day-hike", 16, ["Daybreak", "Skyline", "Lookout", "Summit"],
     [18, 22, 25, 28, 30, 15, 20, 32]),
    ("multi-day", 16, ["Traverse", "Expedition", "Longtrail", "Hut-to-Hut"],
     [35, 50, 40, 55, 45, 60, 38, 65, 48, 70]),
    ("travel", 10, ["Nomad", "Transit", "Carry-On"], [35, 40, 30, 45, 38]),
    ("commute", 8, ["Metro", "Cityline", "Crosstown"], [18, 22, 25, 20, 28, 15]),
]
_USE_TEXT = {"day-hike": "day-hike", "multi-day": "multi-day trekking", "travel": "travel",
             "commute": "commuter"}


def _backpacks(rng: random.Random) -> list[DemoProduct]:
    products: list[DemoProduct] = []
    taken: set[str] = set()
    for use, count, names, volumes in _PACK_LINES:
        for j in range(count):
            attributes = _pack_attributes(use, j, volumes[j % len(volumes)])
            volume, fit = attributes["volume_l"], str(attributes["fit"])
            internal = attributes["frame"] == "internal"
            weight = round(250 + 22 * volume + 450 * internal + rng.uniform(-80, 120), -1)
            rest = f"{names[j % len(names)]} {volume}{_FIT_TITLE[fit]}"
            brand = _brand(rng, taken, rest)
            attributes.update(weight_g=int(weight), brand=brand, colors=_colors(rng))
            title = f"{brand} {rest}"
            frame = "an internal frame" if internal else "a frameless back panel"
            cover = " and a built-in rain cover" if attributes["rain_cover"] == "yes" else ""
            description = (f"{_a(volume).title()} {volume} l {_USE_TEXT[use]} pack with {frame}"
                           f"{cover}; {int(weight)} g, {_FIT_TEXT[fit]}.")
            price = 30 + 2.6 * volume + 35 * internal + rng.uniform(-15, 30)
            products.append(_product(rng, f"bp-{len(products) + 1:03d}", title, description,
                                     _price(price, 40, 260), ["Hiking backpacks"], attributes))
    return products


def _pack_attributes(use: str, j: int, volume: int) -> dict[str, Any]:
    commutes = use == "day-hike" and volume <= 25 and j % 2 == 0
    rain_cover = {"day-hike": j % 2 == 1, "multi-day": j % 5 != 4, "travel": False,
                  "commute": j % 3 == 0}[use]
    return {"volume_l": volume, "use": [use, "commute"] if commutes else [use],
            "frame": "internal" if volume >= 30 else "none",
            "rain_cover": "yes" if rain_cover else "no", "fit": FITS[j % 3]}


# Rain jackets: (activity, how many, names, title suffix, ratings in mm, base price, base weight).
_JACKET_LINES = [
    ("hiking", 20, ["Squall", "Cloudburst", "Stormline", "Deluge", "Watershed"], "Jacket",
     [10000, 15000, 20000, 28000], 100, 330),
    ("running", 14, ["Drizzle", "Mistral", "Smirr", "Spindrift"], "Run Jacket",
     [10000, 15000, 20000], 15, 150),
    ("city", 16, ["Downpour", "Haar", "Boulevard", "Monsoon"], "Rain Coat",
     [5000, 10000, 15000, 20000], 30, 480),
]


def _rain_jackets(rng: random.Random) -> list[DemoProduct]:
    products: list[DemoProduct] = []
    taken: set[str] = set()
    for activity, count, names, suffix, ratings, base_price, base_weight in _JACKET_LINES:
        for j in range(count):
            rating, fit = ratings[j % len(ratings)], FITS[(j // len(ratings)) % 3]
            attributes = _jacket_attributes(activity, j, rating, fit)
            insulated = attributes["insulation"] == "light"
            weight = base_weight + 150 * insulated + rng.randint(0, 180)
            layers = "3L" if rating >= 20000 else "2.5L"
            rest = f"{names[j % len(names)]} {layers} {suffix}{_FIT_TITLE[fit]}"
            brand = _brand(rng, taken, rest)
            attributes.update(weight_g=weight, brand=brand, colors=_colors(rng))
            title = f"{brand} {rest}"
            packs = ("packs into its own pocket" if attributes["packable"] == "yes"
                     else "has a full hood and deep pockets")
            warmth = " and a light insulating lining" if insulated else ""
            description = (f"A {activity} rain jacket rated to {rating:,} mm with "
                           f"{attributes['breathability']} breathability{warmth}. "
                           f"It {packs}; {weight} g, {_FIT_TEXT[fit]}.")
            price = base_price + 0.006 * rating + 30 * insulated + rng.uniform(-20, 60)
            products.append(_product(rng, f"rj-{len(products) + 1:03d}", title, description,
                                     _price(price, 50, 380), ["Rain jackets"], attributes))
    return products


def _jacket_attributes(activity: str, j: int, rating: int, fit: str) -> dict[str, Any]:
    if activity == "hiking":
        packable, breathability = (j + j // 4) % 2 == 0, "high" if j % 2 else "medium"
        insulation = j % 5 == 1
    elif activity == "running":
        packable, breathability, insulation = j % 5 != 4, "medium" if j % 4 == 3 else "high", False
    else:
        packable, breathability, insulation = j % 5 == 0, "medium" if j % 3 else "low", j % 2 == 1
    return {"activity": activity, "waterproofing_mm": rating, "breathability": breathability,
            "packable": "yes" if packable else "no", "fit": fit,
            "insulation": "light" if insulation else "none"}


# Add-ons for the cart pages: socks, accessories and care products.
_SOCK_NAMES = {"running": ["Tempo", "Pace", "Strider"], "hiking": ["Trek", "Summit", "Ridge"]}
_SOCK_CUSHIONING = ["low", "medium", "high"]
_SOCK_HEIGHTS = ["no-show", "quarter", "crew"]


def _socks(rng: random.Random) -> list[DemoProduct]:
    products: list[DemoProduct] = []
    taken: set[str] = set()
    for j in range(40):
        activity = "running" if j % 2 == 0 else "hiking"
        cushioning, height = _SOCK_CUSHIONING[j % 3], _SOCK_HEIGHTS[(j // 2) % 3]
        material, pack = ("merino" if j % 4 < 2 else "synthetic"), (3 if j % 5 == 0 else 1)
        price = 9 + 6 * (material == "merino") + 3 * (cushioning == "high") + rng.uniform(-1, 3)
        rest = (f"{_SOCK_NAMES[activity][j % 3]} {material.title()} {height.title()} Sock"
                + (f" {pack}-Pack" if pack > 1 else ""))
        brand = _brand(rng, taken, rest)
        description = (f"{cushioning.title()}-cushion {material} {activity} socks, "
                       f"{height} height" + (f", a pack of {pack}." if pack > 1 else "."))
        attributes = {"activity": activity, "cushioning": cushioning, "height": height,
                      "material": material, "pack_size": pack, "brand": brand, "colors": _colors(rng)}
        products.append(_product(rng, f"sk-{len(products) + 1:03d}", f"{brand} {rest}", description,
                                 _price(price * (1.6 if pack > 1 else 1), 8, 25, step=1),
                                 ["Socks"], attributes))
    return products


# Accessories and care: (type, names, price range, the one extra attribute and its choices, text).
_AddOnLine = tuple[str, list[str], tuple[int, int], str, list[Any], str]
_UNITS = {"capacity_ml": " ml", "volume_ml": " ml", "lumens": " lm", "length_cm": " cm"}
_ACCESSORIES: list[_AddOnLine] = [
    ("water bottle", ["Flow Bottle", "Summit Bottle", "Insulated Bottle"], (12, 35), "capacity_ml",
     [500, 750, 1000], "A leak-proof {v} ml bottle, BPA-free."),
    ("soft flask", ["Soft Flask"], (15, 28), "capacity_ml", [250, 500],
     "A {v} ml soft flask that folds flat when empty."),
    ("headlamp", ["Beacon Headlamp", "Nightrun Headlamp", "Lantern Headlamp"], (25, 60), "lumens",
     [200, 350, 500, 900], "A rechargeable headlamp with {v} lumens and a red night mode."),
    ("gaiters", ["Trail Gaiters", "Scree Gaiters"], (18, 45), "size", ["S/M", "L/XL"],
     "Gaiters that keep grit and snow out of your shoes, size {v}."),
    ("laces", ["Lock Laces", "Flat Laces"], (5, 12), "length_cm", [120, 140, 160],
     "Spare laces, {v} cm, that stay tied on long runs."),
    ("running belt", ["Stash Belt"], (20, 40), "size", ["S/M", "L/XL"],
     "A bounce-free belt for phone, keys and gels, size {v}."),
]
_CARE: list[_AddOnLine] = [
    ("waterproofing spray", ["Proof Spray", "Repel Spray"], (9, 22), "volume_ml", [150, 300],
     "Restores water repellency on jackets and shoes; {v} ml spray."),
    ("shoe cleaner", ["Shoe Cleaner Kit", "Foam Cleaner"], (8, 18), "volume_ml", [125, 200],
     "Lifts mud and salt from mesh and leather; {v} ml."),
    ("tech wash", ["Tech Wash"], (9, 16), "volume_ml", [300, 500],
     "A gentle wash for membranes and technical fabrics; {v} ml."),
    ("wash-in proofer", ["Wash-In Proofer"], (10, 19), "volume_ml", [300, 500],
     "Adds water repellency in the washing machine; {v} ml."),
]


def _accessories(rng: random.Random) -> list[DemoProduct]:
    return _add_ons(rng, _ACCESSORIES, 45, "ac", "Accessories", colored=True)


def _care(rng: random.Random) -> list[DemoProduct]:
    return _add_ons(rng, _CARE, 25, "cr", "Care", colored=False)


def _add_ons(rng: random.Random, lines: list[_AddOnLine], count: int, prefix: str,
             category: str, *, colored: bool) -> list[DemoProduct]:
    products: list[DemoProduct] = []
    taken: set[str] = set()
    for j in range(count):
        kind, names, (lo, hi), extra, choices, text = lines[j % len(lines)]
        step = j // len(lines)
        value = choices[step % len(choices)]
        rest = f"{names[step % len(names)]} {value}{_UNITS.get(extra, '')}"
        brand = _brand(rng, taken, rest)
        attributes: dict[str, object] = {"type": kind, extra: value, "brand": brand}
        if colored:
            attributes["colors"] = _colors(rng)
        share = choices.index(value) / max(1, len(choices) - 1)
        price = lo + (hi - lo) * (0.7 * share + 0.3 * rng.random())
        sku = f"{prefix}-{len(products) + 1:03d}"
        products.append(_product(rng, sku, f"{brand} {rest}", text.format(v=value),
                                 _price(price, lo, hi, step=1), [category], attributes))
    return products
