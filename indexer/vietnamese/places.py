"""Places a question can be about: provinces and cities of Việt Nam and foreign countries.

Documents speak of their own province; a question naming another one ("ở tỉnh Cà Mau", "của Hà
Nội", "GDP của Pháp") is not answered by them. The lists are the 63 provinces and centrally run
cities (the 34 after the 2025 merger keep names among them) and the countries most often named
in party documents, matched without diacritics and as whole words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import fold, syllable_key

PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang",
    "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lạng Sơn",
    "Lào Cai", "Lâm Đồng", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận",
    "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị",
    "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa",
    "Thành phố Hồ Chí Minh", "Hồ Chí Minh", "Thừa Thiên Huế", "Huế", "Tiền Giang", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
COUNTRIES = (
    "Việt Nam", "Lào", "Campuchia", "Trung Quốc", "Nhật Bản", "Hàn Quốc", "Triều Tiên", "Thái Lan",
    "Singapore", "Malaysia", "Indonesia", "Philippines", "Myanmar", "Ấn Độ", "Nga", "Pháp", "Đức",
    "Anh", "Mỹ", "Hoa Kỳ", "Canada", "Úc", "Australia", "Cuba", "Brazil", "Ý", "Tây Ban Nha",
    "Hà Lan", "Bỉ", "Thụy Điển", "Thụy Sĩ", "Israel", "Ai Cập", "Nam Phi", "Mexico",
    "New Zealand", "Ba Lan", "Séc", "Hungary", "Ukraina", "Đài Loan", "Hồng Kông",
)  # fmt: skip
# The 2025 merger (Nghị quyết 202/2025/QH15, from 1 July 2025): a province asked about by its
# old name is covered, in documents from 2025 on, by the province it became part of.
MERGED_2025 = {
    "Hà Giang": "Tuyên Quang", "Yên Bái": "Lào Cai", "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ", "Hòa Bình": "Phú Thọ", "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên", "Hải Dương": "Hải Phòng", "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình", "Quảng Bình": "Quảng Trị", "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi", "Bình Định": "Gia Lai", "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng", "Phú Yên": "Đắk Lắk",
    "Bình Dương": "Thành phố Hồ Chí Minh", "Bà Rịa - Vũng Tàu": "Thành phố Hồ Chí Minh",
    "Bình Phước": "Đồng Nai", "Long An": "Tây Ninh", "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ", "Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp", "Bạc Liêu": "Cà Mau", "Kiên Giang": "An Giang",
}  # fmt: skip


def names_of(place: str, year: int | None) -> tuple[str, ...]:
    """The names a document of `year` may give a province: its own, and from 2025 on the
    province it was merged into.

    >>> names_of("Kiên Giang", 2025), names_of("Kiên Giang", 2024)
    (('Kiên Giang', 'An Giang'), ('Kiên Giang',))
    """
    merged = MERGED_2025.get(place)
    return (place, merged) if merged and year is not None and year >= 2025 else (place,)


def mentions_place(text: str, place: str, year: int | None = None) -> bool:
    """True when `text` names the province or country, as whole words, accents ignored; with
    `year` from 2025 on, the province it was merged into counts too.

    >>> mentions_place("sắp xếp đơn vị hành chính cấp xã của tỉnh An Giang", "Kiên Giang", 2025)
    True
    >>> mentions_place("Tỉnh ủy Hậu Giang", "An Giang")
    False
    """
    words = _spaced_words(text) if len(text) <= SHORT else _spaced(text)
    return any(_spaced_words(name) in words for name in names_of(place, year))


SHORT = 300  # texts kept folded: names, issuers and titles (passages come and go)


def _spaced(text: str) -> str:
    """The folded words of `text`, one space between them and one on each side."""
    return " " + " ".join(re.findall(r"\w+", fold(text))) + " "


@lru_cache(maxsize=16384)  # documents' issuers and titles, tested against each question's places
def _spaced_words(text: str) -> str:
    return _spaced(text)


# Country names that are also everyday words: only capitalised in the question do they count.
_AMBIGUOUS = {"anh", "nga", "duc", "y", "uc", "bi", "lao", "sec", "my"}


@lru_cache(maxsize=1)
def _gazetteer() -> list[tuple[str, str, str, list[str], list[str]]]:
    """(folded name, name, type, its folded words, its words in match form), longest first:
    "Thành phố Hồ Chí Minh" before "Hồ Chí Minh"."""
    rows = [(fold(n), n, "tỉnh") for n in PROVINCES] + [(fold(n), n, "nước") for n in COUNTRIES]
    return [(key, name, kind, key.replace("-", " ").split(),
             [syllable_key(w.lower()) for w in re.findall(r"\w+", name)])
            for key, name, kind in sorted(rows, key=lambda r: -len(r[0]))]  # fmt: skip


def places_in(text: str) -> list[tuple[str, str]]:
    """(type, name) of the provinces and countries a text names, in order of appearance.

    A name counts when typed with a capital or after "tỉnh", "ở", "của", "tại" …, and not after
    "xã", "huyện" … (a commune named Thái Bình is not the province).

    >>> places_in("số đảng viên bị kỷ luật ở tỉnh Cà Mau")
    [('tỉnh', 'Cà Mau')]
    >>> places_in("GDP cua Phap nam 2010"), places_in("giữ vững hòa bình, biện pháp")
    ([('nước', 'Pháp')], [])
    >>> places_in("Xã Thái Bình, Huyện Đình Lập, Tỉnh Lạng Sơn")
    [('tỉnh', 'Lạng Sơn')]
    """
    return [(kind, name) for _, _, kind, name in place_mentions(text)]


def place_mentions(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, type, name) of each province or country named, the words that introduce it
    ("ở tỉnh", "của") included in the span.

    >>> place_mentions("kỷ luật ở tỉnh Cà Mau")
    [(8, 21, 'tỉnh', 'Cà Mau')]
    """
    matches = list(re.finditer(r"\w+", text))
    words = [m.group(0) for m in matches]
    keys = [fold(w) for w in words]
    accents = [syllable_key(w.lower()) for w in words]
    typed_plain = fold(text) == text.lower()
    found: list[tuple[int, int, str, str]] = []
    taken: set[int] = set()
    at: dict[str, list[int]] = {}  # where each word is: a name is tried where its first word is
    for i, key in enumerate(keys):
        at.setdefault(key, []).append(i)
    for key, name, kind, parts, spelled in _gazetteer():
        for i in at.get(parts[0], ()):
            if keys[i : i + len(parts)] != parts or taken & set(range(i, i + len(parts))):
                continue
            if not typed_plain and accents[i : i + len(parts)] != spelled:
                continue  # typed with accents: "diễn biến" is not "Điện Biên"
            before = keys[max(0, i - 2) : i]
            if before[-1:] and (before[-1] in _LOWER_UNITS or before in (["thi", "tran"],
                                                                         ["thi", "xa"])):
                continue  # "xã Thái Bình", "thị trấn Long An": a commune, not the province
            if _inside_longer_name(text, matches, keys, i, len(parts)):
                continue  # "Tam Mỹ Tây", "Thạnh Mỹ Tây": a commune's name, not America
            # a capital is a sign except on a query's first word ("Lao động …" is not Laos)
            capital = words[i][:1].isupper() and (i > 0 or len(parts) > 1)
            cued = bool(before) and (before[-1] in _CUES or before == ["thanh", "pho"])
            # all lower case ("thu ngan sach hau giang"): a name of two syllables or more that
            # is not also an everyday phrase ("hòa bình") is still the province
            plain = text == text.lower() and len(parts) > 1 and key not in _EVERYDAY
            if not (capital or plain or (cued and key not in _AMBIGUOUS)):
                continue
            lead = i
            while lead > 0 and (keys[lead - 1] in _CUES or keys[lead - 1] in ("thanh", "pho")):
                lead -= 1  # "ở tỉnh", "của thành phố"
            taken |= set(range(i, i + len(parts)))
            found.append((matches[lead].start(), matches[i + len(parts) - 1].end(), kind, name))
    return sorted(found)


def _inside_longer_name(text: str, matches: list[re.Match], keys: list[str], i: int, n: int
                        ) -> bool:  # fmt: skip
    """True when capitalised words other than place types run on, with only a space between,
    before or after words i..i+n."""
    def joined(a: int, b: int) -> bool:
        return 0 <= a and b < len(matches) and text[matches[a].end() : matches[b].start()] == " "

    before = joined(i - 1, i) and matches[i - 1].group(0)[:1].isupper() and (
        keys[i - 1] not in _CUES | _TYPE_WORDS)
    after = joined(i + n - 1, i + n) and matches[i + n].group(0)[:1].isupper() and (
        matches[i].group(0)[:1].isupper())
    return bool(before or after)


_TYPE_WORDS = {"tinh", "thanh", "pho", "nuoc", "quoc", "xa", "huyen", "tp"}
# names that are also everyday words once accents are gone ("dien bien": diễn biến)
_EVERYDAY = {"hoa binh", "thai binh", "long an", "an giang", "phu tho", "quang tri", "dien bien",
             "tay ninh", "binh dinh"}  # fmt: skip
_LOWER_UNITS = {"xa", "phuong", "huyen", "quan", "thon", "ap", "ban", "khu", "song", "cau"}
_CUES = {"tinh", "tp", "o", "tai", "cua", "nuoc", "sang", "voi", "quoc", "gia"}
