"""People's names for the demo: a UK and Dutch workforce with colleagues from across Europe."""

from __future__ import annotations

import random
import unicodedata

FIRST_NAMES = [
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Grace",
    "Leo", "Freya", "Arthur", "Lily", "Oscar", "Sophie", "Thomas", "Chloe", "James", "Ella",
    "Daan", "Julia", "Sem", "Tess", "Lucas", "Fenna", "Bram", "Sanne", "Finn", "Lotte",
    "Mateo", "Lucía", "Luca", "Giulia", "Jakub", "Zofia", "Mikael", "Elin", "Ahmed", "Fatima",
    "Ravi", "Ananya", "Kwame", "Ama", "Tomás", "Inês", "Lukas", "Lena", "Matteo", "Chiara",
    "Erik", "Maja", "Nikolai", "Katarina", "Samuel", "Hannah", "Yusuf", "Leila", "Ben", "Niamh",
]  # fmt: skip

LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
    "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
    "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Groot", "Bos",
    "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "García", "Rossi", "Novak", "Nowak",
    "Andersson", "Nielsen", "Khan", "Patel", "Mensah", "Silva", "Müller", "Schmidt", "Ferrari",
    "Johansson", "Virtanen", "O'Brien", "Murphy", "Kelly", "Ali", "Chowdhury", "Santos",
    "Costa", "Horvat", "Dubois", "Lambert", "Eriksen", "Lindberg", "Sharma",
]  # fmt: skip


def ascii_slug(text: str) -> str:
    """``"Lucía de Jong"`` -> ``"lucia.dejong"``: usernames and e-mail addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    first, _, last = plain.partition(" ")
    clean_last = "".join(ch for ch in last.lower() if ch.isalpha())
    return f"{first.lower()}.{clean_last}"


def unique_names(count: int, rng: random.Random, taken: set[str]) -> list[str]:
    """``count`` full names whose usernames are not in ``taken`` (which is updated)."""
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        slug = ascii_slug(name)
        if slug in taken:
            continue
        taken.add(slug)
        names.append(name)
    return names
