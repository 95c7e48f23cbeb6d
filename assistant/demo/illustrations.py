"""Product pictures for the demo shop: a flat SVG illustration per category, in the product's colours."""

from __future__ import annotations

import hashlib
from typing import Any

from markupsafe import escape

from assistant.catalog.models import Product

COLORS = {
    "black": "#2b2e31", "white": "#f3f3ef", "grey": "#8f979c", "gray": "#8f979c",
    "navy": "#233561", "blue": "#2f6fdb", "teal": "#15928a", "green": "#2f8f52",
    "olive": "#6f7d3c", "orange": "#f07f2a", "red": "#d8423b", "coral": "#f2705e",
    "yellow": "#f1c232", "purple": "#7a52c7", "brown": "#8a5a3b", "pink": "#e86aa0",
}
NEUTRALS = ["#3e7c6b", "#5b6fb5", "#b5654a", "#8a6bb8", "#4f8a3d"]

# Shapes drawn on a 400 x 300 canvas: main colour (m), second colour (s), outline (o), light (l).
SHAPES = {
    "shoe": """
<path d="M64 206C58 180 62 158 76 146C90 134 110 138 124 146C140 154 152 150 162 132C170 117 184 106 200
  108C216 110 224 124 236 138C260 164 302 170 332 181C348 187 354 199 350 208Z" fill="{m}"
  stroke="{o}" stroke-width="3" stroke-linejoin="round"/>
<path d="M56 205H354C358 216 352 229 336 231H82C64 231 54 220 56 205Z" fill="{l}"
  stroke="{o}" stroke-width="3" stroke-linejoin="round"/>
<path d="M70 226H344" stroke="{s}" stroke-width="7" stroke-linecap="round"/>
<path d="M132 192C176 170 226 158 292 172" fill="none" stroke="{s}" stroke-width="11" stroke-linecap="round"/>
<g stroke="{l}" stroke-width="5" stroke-linecap="round"><path d="M196 118L220 131"/><path d="M208 132L233
  146"/><path d="M221 146L247 159"/></g>
<path d="M68 160L84 150L88 176L70 182Z" fill="{s}"/>""",
    "backpack": """
<path d="M178 64C178 38 222 38 222 64" fill="none" stroke="{o}" stroke-width="8" stroke-linecap="round"/>
<rect x="124" y="58" width="152" height="196" rx="46" fill="{m}" stroke="{o}" stroke-width="3"/>
<path d="M124 112C124 78 150 58 200 58C250 58 276 78 276 112Z" fill="{s}" stroke="{o}"
  stroke-width="3" stroke-linejoin="round"/>
<rect x="148" y="158" width="104" height="80" rx="22" fill="{s}" stroke="{o}" stroke-width="3"/>
<path d="M164 176H236" stroke="{l}" stroke-width="4" stroke-linecap="round"/>
<g stroke="{o}" stroke-width="6" stroke-linecap="round"><path d="M124 140H110"/><path d="M276
  140H290"/><path d="M124 200H110"/><path d="M276 200H290"/></g>
<circle cx="200" cy="128" r="6" fill="{l}"/>""",
    "jacket": """
<path d="M164 66C168 30 232 30 236 66L200 86Z" fill="{s}" stroke="{o}" stroke-width="3"
  stroke-linejoin="round"/>
<path d="M152 62L200 80L248 62L296 80L334 196L304 208L284 134V252H116V134L96 208L66 196L104 80Z"
  fill="{m}" stroke="{o}" stroke-width="3" stroke-linejoin="round"/>
<path d="M200 80V252" stroke="{s}" stroke-width="5"/>
<path d="M66 196L96 208L100 196L70 184Z" fill="{s}"/><path d="M334 196L304 208L300 196L330 184Z" fill="{s}"/>
<g stroke="{o}" stroke-width="4" stroke-linecap="round"><path d="M140 180L168 170"/><path d="M260 180L232
  170"/></g>""",
    "sock": """
<path d="M158 48H232V168C232 176 236 182 244 187L302 222C326 236 318 274 288 268L190 240C168 234 158 214
  158 192Z" fill="{m}" stroke="{o}" stroke-width="3" stroke-linejoin="round"/>
<rect x="158" y="48" width="74" height="30" fill="{s}" stroke="{o}" stroke-width="3"/>
<g stroke="{l}" stroke-width="4"><path d="M176 52V74"/><path d="M195 52V74"/><path d="M214 52V74"/></g>
<path d="M282 226C312 232 324 262 294 268L270 261C282 252 286 238 282 226Z" fill="{s}"/>
<path d="M158 196C158 222 172 236 194 240L200 214C182 212 170 206 158 196Z" fill="{s}"/>""",
    "bottle": """
<rect x="178" y="40" width="44" height="34" rx="8" fill="{s}" stroke="{o}" stroke-width="3"/>
<path d="M168 74H232C246 86 250 100 250 118V240C250 252 242 260 230 260H170C158 260 150 252 150 240V118C150
  100 154 86 168 74Z" fill="{m}" stroke="{o}" stroke-width="3" stroke-linejoin="round"/>
<rect x="150" y="146" width="100" height="58" fill="{s}" stroke="{o}" stroke-width="3"/>
<path d="M166 100V226" stroke="{l}" stroke-width="6" stroke-linecap="round" opacity=".55"/>""",
    "headlamp": """
<ellipse cx="200" cy="160" rx="120" ry="62" fill="none" stroke="{s}" stroke-width="16"/>
<rect x="150" y="118" width="100" height="84" rx="20" fill="{m}" stroke="{o}" stroke-width="3"/>
<circle cx="200" cy="160" r="28" fill="{l}" stroke="{o}" stroke-width="3"/>
<circle cx="200" cy="160" r="14" fill="#ffe9a3"/>""",
    "spray": """
<rect x="186" y="44" width="28" height="22" rx="4" fill="{s}" stroke="{o}" stroke-width="3"/>
<path d="M214 52H236" stroke="{o}" stroke-width="5" stroke-linecap="round"/>
<path d="M166 92C166 74 180 66 200 66C220 66 234 74 234 92Z" fill="{s}" stroke="{o}" stroke-width="3"/>
<rect x="162" y="90" width="76" height="168" rx="12" fill="{m}" stroke="{o}" stroke-width="3"/>
<rect x="162" y="140" width="76" height="64" fill="{l}" stroke="{o}" stroke-width="3"/>
<path d="M178 162H222M178 180H210" stroke="{s}" stroke-width="5" stroke-linecap="round"/>""",
}
CATEGORY_SHAPES = {"Running shoes": "shoe", "Hiking backpacks": "backpack", "Rain jackets": "jacket",
                   "Socks": "sock"}
TYPE_SHAPES = {"headlamp": "headlamp", "waterproofing spray": "spray"}
CARE_COLORS = ["teal", "blue", "green", "orange"]


def shape_for(product: Product) -> str:
    """The illustration that suits the product: by category, then by accessory type."""
    for category in product.categories:
        if category in CATEGORY_SHAPES:
            return CATEGORY_SHAPES[category]
    return TYPE_SHAPES.get(str(product.attributes.get("type", "")), "bottle")


def palette(product: Product) -> tuple[str, str]:
    """Main and second colour of the product, from its `colors` (or `color`) attribute."""
    names = _color_names(product.attributes)
    if not names:
        names = [CARE_COLORS[int(_digest(product.sku), 16) % len(CARE_COLORS)], "white"]
    main = _hex(names[0], product.sku)
    second = _hex(names[1], product.sku + "2") if len(names) > 1 else _mix(main, "#ffffff", 0.55)
    return main, second


def product_svg(product: Product) -> str:
    """An SVG picture of `product` (every value in it is escaped or one of our own colours)."""
    main, second = palette(product)
    background = _mix(main, "#ffffff", 0.86)
    colors = {"m": main, "s": second, "o": _mix(main, "#000000", 0.35), "l": _mix(main, "#ffffff", 0.8)}
    body = SHAPES[shape_for(product)].format(**colors)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300" '
        f'role="img" aria-label="{escape(product.title)}">'
        f"<title>{escape(product.title)}</title>"
        f'<rect width="400" height="300" fill="{background}"/>'
        f'<circle cx="330" cy="56" r="90" fill="{_mix(main, "#ffffff", 0.78)}"/>'
        '<ellipse cx="200" cy="262" rx="140" ry="12" fill="#000" opacity=".08"/>'
        f"{body}</svg>"
    )


def _color_names(attributes: dict[str, Any]) -> list[str]:
    value = attributes.get("colors", attributes.get("color"))
    if isinstance(value, str):
        value = [value]
    return [str(v).strip().lower() for v in value or [] if str(v).strip()]


def _hex(name: str, seed: str) -> str:
    return COLORS.get(name) or NEUTRALS[int(_digest(seed + name), 16) % len(NEUTRALS)]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _mix(color: str, other: str, share: float) -> str:
    """`color` moved `share` of the way towards `other` (both #rrggbb)."""
    a = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))
