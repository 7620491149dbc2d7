"""Synthetic identities: Russian full names, their Latin transliteration, registry codes.

Names are built from lists of common first names, surnames and fathers'
names; no real person is described. Vectorized for large cohorts.
"""

from __future__ import annotations

import numpy as np

MALE_FIRST = np.array([
    "Александр", "Максим", "Иван", "Артём", "Дмитрий", "Никита", "Михаил", "Даниил", "Егор", "Андрей",
    "Кирилл", "Илья", "Матвей", "Тимофей", "Роман", "Владимир", "Ярослав", "Фёдор", "Глеб", "Степан",
])
FEMALE_FIRST = np.array([
    "Анастасия", "Мария", "Дарья", "Анна", "Елизавета", "Полина", "Виктория", "Екатерина", "Софья", "Алиса",
    "Ксения", "Александра", "Варвара", "Вероника", "Арина", "Ульяна", "Милана", "Ева", "Василиса", "Таисия",
])
SURNAMES = np.array([
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
    "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
    "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев",
])
FATHERS = np.array([
    "Александр", "Сергей", "Андрей", "Дмитрий", "Алексей", "Михаил", "Игорь", "Олег", "Владимир", "Павел",
    "Николай", "Евгений", "Денис", "Роман", "Виктор", "Юрий", "Константин", "Антон", "Артём", "Максим",
])

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
}


def transliterate(text: str) -> str:
    """Russian Cyrillic to Latin, passport (ICAO 9303) style."""
    out = []
    for ch in text:
        low = ch.lower()
        lat = _TRANSLIT.get(low, ch)
        out.append(lat.capitalize() if ch != low and lat else lat)
    return "".join(out)


PATRONYMIC = {
    "Александр": "Александров", "Сергей": "Сергеев", "Андрей": "Андреев", "Дмитрий": "Дмитриев",
    "Алексей": "Алексеев", "Михаил": "Михайлов", "Игорь": "Игорев", "Олег": "Олегов", "Владимир": "Владимиров",
    "Павел": "Павлов", "Николай": "Николаев", "Евгений": "Евгеньев", "Денис": "Денисов", "Роман": "Романов",
    "Виктор": "Викторов", "Юрий": "Юрьев", "Константин": "Константинов", "Антон": "Антонов", "Артём": "Артёмов",
    "Максим": "Максимов",
}


def _patronymic(father: str, female: bool) -> str:
    stem = PATRONYMIC[father]
    return stem + ("на" if female else "ич")


def _surname(base: str, female: bool) -> str:
    return base + "а" if female else base


def full_names(female: np.ndarray, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Russian ФИО and its Latin transliteration for each patient (female: bool array)."""
    n = len(female)
    sur = rng.integers(0, len(SURNAMES), n)
    first_m = rng.integers(0, len(MALE_FIRST), n)
    first_f = rng.integers(0, len(FEMALE_FIRST), n)
    father = rng.integers(0, len(FATHERS), n)
    patr_m = {name: _patronymic(name, False) for name in FATHERS}
    patr_f = {name: _patronymic(name, True) for name in FATHERS}
    ru: list[str] = []
    for i in range(n):
        fem = bool(female[i])
        first = FEMALE_FIRST[first_f[i]] if fem else MALE_FIRST[first_m[i]]
        patr = (patr_f if fem else patr_m)[FATHERS[father[i]]]
        ru.append(f"{_surname(SURNAMES[sur[i]], fem)} {first} {patr}")
    translit = {name: transliterate(name) for name in set(ru)}
    return ru, [translit[name] for name in ru]


def patient_keys(hsct_year: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Registry digits `YYYY-NNN`: the transplant year and a running number with gaps (other registry patients)."""
    order = np.lexsort((rng.random(len(hsct_year)), hsct_year))
    keys = [""] * len(hsct_year)
    counter: dict[int, int] = {}
    for i in order:
        year = int(hsct_year[i])
        counter[year] = counter.get(year, 0) + int(rng.integers(1, 6))
        width = 3 if counter[year] < 1000 else 6
        keys[i] = f"{year}-{counter[year]:0{width}d}"
    return keys
