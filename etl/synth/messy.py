"""How people really type values: synonyms, homoglyphs, dashes, day notations, booleans, case, spaces.

Every rendering here keeps the value's meaning (the reader gets the truth back);
only spelling varies. `lang` is "ru" or "en".
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

DASHES = ["-", "–", "—", "−"]
ROMAN = {0: "0", 1: "I", 2: "II", 3: "III", 4: "IV"}
BOOL = {
    "ru": {True: ["да", "Да", "ДА", "+", "1"], False: ["нет", "Нет", "-", "−", "0"]},
    "en": {True: ["yes", "Yes", "YES", "+", "1"], False: ["no", "No", "-", "−", "0"]},
}
SYNONYMS: dict[str, dict[str, dict[str, list[str]]]] = {
    "sex": {
        "ru": {"male": ["М", "м", "муж"], "female": ["Ж", "ж", "жен"]},
        "en": {"male": ["M", "male", "Male"], "female": ["F", "female", "Female"]},
    },
    "disease_status": {
        "ru": {
            "relapse": ["рецидив", "Рецидив"],
            "early_relapse": ["ранний рецидив"],
            "second_relapse": ["повторный рецидив"],
            "refractory": ["резистентное течение"],
        },
        "en": {
            "relapse": ["relapse", "Relapse"],
            "early_relapse": ["early relapse"],
            "second_relapse": ["second relapse"],
            "refractory": ["refractory"],
        },
    },
    "bridging_therapy": {
        "ru": {
            "ino": ["ИнО", "инотузумаб озогамицин", "Беспонса", "ИнO"],
            "hd_mtx": ["HD-MTX", "блоковая ПХТ с ВД-МТХ"],
            "flu_based": ["флударабин-содержащая схема", "FLAG"],
        },
        "en": {
            "ino": ["InO", "inotuzumab ozogamicin", "Besponsa"],
            "hd_mtx": ["high-dose methotrexate block", "HD-MTX"],
            "flu_based": ["fludarabine-based", "FLAG"],
        },
    },
    "response": {
        "ru": {"cri": ["КГР с неполным восстановлением", "КГРн"], "refractory": ["резистентный рецидив", "нет ответа"]},
        "en": {"cri": ["CRi", "CR with incomplete recovery"], "refractory": ["refractory", "no response"]},
    },
    "donor_type": {
        "ru": {
            "haplo": ["гаплоидентичный", "гапло", "Гапло"],
            "matched_related": ["родственный совместимый", "сиблинг"],
            "matched_unrelated": ["неродственный совместимый"],
        },
        "en": {
            "haplo": ["haploidentical", "haplo"],
            "matched_related": ["MSD", "matched related"],
            "matched_unrelated": ["MUD", "matched unrelated"],
        },
    },
    "graft_source": {
        "ru": {"bm": ["КМ", "костный мозг"], "pbsc": ["ПСКК"]},
        "en": {"bm": ["BM", "bone marrow"], "pbsc": ["PBSC"]},
    },
    "conditioning": {
        "ru": {
            "mac_bu": ["МАК (бусульфан 12 мг/кг)"],
            "rtc_treo": ["МАК-СТ (треосульфан)"],
            "ric_mel": ["РИК (мелфалан 140 мг/м2)"],
        },
        "en": {"mac_bu": ["MAC busulfan"], "rtc_treo": ["RTC treosulfan"], "ric_mel": ["RIC melphalan"]},
    },
    "gvhd_prophylaxis": {
        "ru": {"ptcy": ["ПТЦф", "ПТЦ 50 мг/кг Д+3,+4"], "atg": ["АТГ", "серопрофилактика"]},
        "en": {"ptcy": ["PTCy"], "atg": ["ATG"]},
    },
    "immunosuppression": {
        "ru": {
            "cni_mtor": ["ИКН + mTOR"],
            "tac_sir": ["такролимус + сиролимус"],
            "csa_sir": ["циклоспорин + сиролимус"],
            "sir": ["сиролимус"],
        },
        "en": {
            "cni_mtor": ["CNI + mTOR"],
            "tac_sir": ["tacrolimus + sirolimus"],
            "csa_sir": ["ciclosporin + sirolimus"],
            "sir": ["sirolimus alone", "sirolimus"],
        },
    },
    "relapse_site": {
        "ru": {
            "bm": ["КМ", "костномозговой"],
            "cns": ["ЦНС"],
            "extramedullary": ["экстрамедуллярный"],
            "bm_cns": ["КМ+ЦНС"],
            "combined": ["комбинированный"],
        },
        "en": {
            "bm": ["BM"],
            "cns": ["CNS"],
            "extramedullary": ["extramedullary"],
            "bm_cns": ["BM+CNS"],
            "combined": ["combined"],
        },
    },
    "hla_loss": {
        "ru": {"loss": ["да"], "no_loss": ["нет"], "not_tested": ["не исследовано"]},
        "en": {"loss": ["yes"], "no_loss": ["no"], "not_tested": ["not tested"]},
    },
    "vital_status": {
        "ru": {"alive": ["жив", "Жив"], "dead": ["умер", "Умер"]},
        "en": {"alive": ["alive", "Alive"], "dead": ["dead", "Dead"]},
    },
    "cause_of_death": {
        "ru": {
            "relapse": ["рецидив"],
            "sos": ["ССО"],
            "infection": ["инфекция"],
            "gvhd": ["РТПХ"],
            "tma": ["ТМА"],
            "other": ["другое"],
        },
        "en": {
            "relapse": ["relapse"],
            "sos": ["SOS"],
            "infection": ["infection"],
            "gvhd": ["GVHD"],
            "tma": ["TMA"],
            "other": ["other"],
        },
    },
}
DIAGNOSIS = {"ru": ["В-ОЛЛ", "C91.0", "В–ОЛЛ", "B-ОЛЛ"], "en": ["B-ALL", "C91.0", "B–ALL"]}


class Mess:
    """Seeded renderer for one feed flavour (`lang`, decimal comma, date style, ascii-only headers)."""

    def __init__(self, rng: np.random.Generator, lang: str, ascii_only: bool = False) -> None:
        # a stdlib generator seeded from the numpy one: per-cell draws at a fraction of the cost
        self.rng = random.Random(int(rng.integers(2**63)))
        self.lang, self.ascii_only = lang, ascii_only

    def one(self, options: list[str]) -> str:
        return options[int(self.rng.random() * len(options))]

    def pad(self, text: str) -> str:
        r = self.rng.random()
        return f" {text}" if r < 0.04 else f"{text}  " if r < 0.08 else text

    def dash(self) -> str:
        return self.one(DASHES[:3] if self.ascii_only else DASHES)

    def coded(self, domain: str, key: str | None) -> str:
        if key is None:
            return ""
        return self.pad(self.one(SYNONYMS[domain][self.lang][key]))

    def boolean(self, value: bool | None) -> str:
        if value is None:
            return ""
        text = self.one(BOOL[self.lang][value])
        return self.pad("-" if self.ascii_only and text == "−" else text)

    def number(self, value: float | None) -> str:
        if value is None:
            return ""
        text = repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(float(value))
        return text.replace(".", ",") if self.lang == "ru" else text

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return ""
        if self.lang == "ru":
            return value.strftime("%d.%m.%y") if self.rng.random() < 0.15 else value.strftime("%d.%m.%Y")
        return value.strftime("%d/%m/%Y") if self.rng.random() < 0.15 else value.isoformat()

    def datetime(self, value: dt.datetime) -> str:
        if self.lang == "ru":
            return value.strftime("%d.%m.%Y %H:%M")
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def day(self, day: int, bare_ok: bool = True) -> str:
        prefix = "Д" if self.lang == "ru" else "D"
        forms = [f"{prefix}+{day}", f"{prefix.lower()}+ {day}", f"D+{day}"]
        if bare_ok:
            forms.append(str(day))
        return self.pad(self.one(forms))

    def grade(self, grade: int | None, none_word: bool = True) -> str:
        if grade is None:
            return ""
        if grade == 0 and none_word and self.rng.random() < 0.5:
            return "нет" if self.lang == "ru" else "none"
        return ROMAN[grade] if self.rng.random() < 0.6 else str(grade)

    def case(self, text: str) -> str:
        r = self.rng.random()
        return text.upper() if r < 0.1 else text.lower() if r < 0.2 else text
