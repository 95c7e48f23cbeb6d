"""Messages written to exhaust a worker (CPU, memory, output) or to print what is not a value.

Each must be refused when saved, and if one reaches the database another way, rendering it must stay
within the sandbox's bounds (assistant/promotions/sandbox.py): fast, small, and never shown.
"""

from __future__ import annotations

LOOP = "{% for x in 'x' * 1000 %}"
HOSTILE = {
    # CPU: numbers that grow without end, most of them behind a branch the EUR 42 sample never takes
    "power tower behind a big-cart branch": "Hi{% if cart_total > 100 %}{{ (((9**64)**64)**64)**64 > 0 }}{% endif %}",
    "power tower in an else branch": "{% if cart_total < 100000 %}Hi{% else %}{{ ((9**64)**64)**64 }}{% endif %}",
    "power tower in an elif": "{% if cart_total < 1 %}a{% elif cart_total < 9999 %}b{% else %}{{ (9**64)**64 }}"
                              "{% endif %}",
    "power tower in a conditional expression": "{{ 'hi' if cart_total < 100 else (9**64)**64 }}",
    "power tower after or": "{{ cart_total < 100000 or ((9**64)**64)**64 }}",
    "products of big numbers": "{{ 10**15 * 10**15 * 10**15 }}",
    "the cart to the 64th": "{{ cart_total ** 64 }}",
    "a 1000-digit number": "{{ ('9' * 1000)|int + 1 }}",
    "many steps": LOOP + "{{ items[0].title|length + items[1].title|length + items[2].title|length "
                         "+ items[3].title|length + items[4].title|length + items[5].title|length }}{% endfor %}",
    "power tower behind a loop's if": "{% for i in items if i.price > 1000 %}{{ (9**64)**64 }}{% endfor %}",
    "power tower in a loop's else": "{% for i in items %}{{ i.title }}{% else %}{{ (9**64)**64 }}{% endfor %}",
    # memory: sequences that multiply
    "a billion zeros": "{{ [[[0]*1000]*1000]*1000 }}",
    "a billion zeros behind a branch": "{% if first_name == 'Zed' %}{{ [[[0]*1000]*1000]*1000 }}{% endif %}",
    "long text joined": "{{ ('x' * 1000) ~ ('x' * 1000) ~ ('x' * 1000) ~ ('x' * 1000) ~ ('x' * 1000) }}|x",
    "long lists added": "{{ [1] * 1000 + [1] * 1000 }}",
    # output size
    "a loop printing 1 MB": LOOP + "{{ 'y' * 999 }}{% endfor %}",
    "a big-cart loop printing 1 MB": "{% if cart_total > 5000 %}" + LOOP + "{{ 'y' * 999 }}{% endfor %}{% endif %}",
    # objects printed
    "a method": "{{ first_name.format }}",
    "a method behind a branch": "{% if not first_name %}{{ first_name.format }}{% endif %}",
    "a method of an item": "{{ items[0].title.upper }}",
    "a product as a dict": "{{ items[0] }}",
    "the items list": "{{ items }}",
    # nesting the parser or compiler would recurse into
    "150 parentheses": "{{ " + "(" * 150 + "1" + ")" * 150 + " }}",
    "1000 parentheses": "{{ " + "(" * 1000 + "1" + ")" * 1000 + " }}",
    "1500 additions": "{{ " + "1 + " * 1500 + "1 }}",
    "1000 nots": "{{ " + "not " * 1000 + "1 }}",
    "60 nested ifs": "{% if 1 %}" * 60 + "x" + "{% endif %}" * 60,
}
