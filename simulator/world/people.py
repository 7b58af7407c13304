"""Fast, deterministic people for seeded tenants: realistic user bodies without calling faker per user.

Faker is used once per locale to draw name pools (a few thousand names, keeping faker's frequency
weighting) and a handful of offices; every user is then a cheap combination drawn from a seeded
``random.Random``, so a million users take seconds and the same seed gives the same people.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from faker import Faker
from faker.decode import unidecode

#: Departments users are spread over (weight, job titles). Department groups match these names.
DEPARTMENTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "Engineering": (
        24,
        (
            "Software Engineer",
            "Senior Software Engineer",
            "Principal Engineer",
            "Engineering Manager",
            "Site Reliability Engineer",
            "QA Engineer",
        ),
    ),
    "Sales": (14, ("Account Executive", "Sales Representative", "Sales Manager", "Solutions Architect")),
    "Marketing": (8, ("Marketing Specialist", "Product Marketing Manager", "Content Strategist")),
    "Finance": (8, ("Financial Analyst", "Accountant", "Controller", "Finance Manager")),
    "Human Resources": (5, ("HR Generalist", "Recruiter", "HR Business Partner")),
    "Legal": (3, ("Counsel", "Paralegal", "Compliance Officer")),
    "Operations": (12, ("Operations Analyst", "Program Manager", "Operations Manager", "Buyer")),
    "IT": (8, ("Systems Administrator", "Identity Engineer", "Service Desk Analyst", "IT Manager")),
    "Customer Support": (12, ("Support Engineer", "Customer Success Manager", "Support Team Lead")),
    "Research": (6, ("Research Scientist", "Data Scientist", "Research Manager")),
}

#: Domains of the partner organizations pre-existing B2B guests come from.
PARTNER_DOMAINS = (
    "fabrikam.com", "northwindtraders.com", "adatum.com", "tailspintoys.com",
    "wingtiptoys.com", "litwareinc.com", "woodgrovebank.com", "alpineskihouse.com",
)  # fmt: skip

_NOT_ASCII_NAME = re.compile(r"[^a-z]+")
_FAMILY_FIRST = ("zh", "ja", "ko")
#: Readings faker's transliteration gets wrong for common Chinese name characters.
_PINYIN_FIXES = {
    "宁": "Ning", "娜": "Na", "洁": "Jie", "曾": "Zeng", "叶": "Ye", "沈": "Shen", "万": "Wan",
    "单": "Shan", "解": "Xie", "翟": "Zhai", "朴": "Piao", "缪": "Miao", "区": "Ou", "薛": "Xue",
    "仇": "Qiu", "查": "Zha", "乐": "Yue", "盖": "Ge", "覃": "Qin",
}  # fmt: skip


@dataclass(frozen=True)
class Office:
    """A place people work: address parts as Graph stores them and a phone prefix."""

    code: str
    city: str
    state: str
    country: str
    usage_location: str
    street: str
    postal_code: str
    phone_prefix: str


_US_OFFICES = tuple(
    Office(code, city, state, "United States", "US", street, zip_code, f"+1 {area}")
    for code, city, state, street, zip_code, area in (
        ("SEA", "Seattle", "WA", "1200 5th Ave", "98101", "206"),
        ("RED", "Redmond", "WA", "15010 NE 36th St", "98052", "425"),
        ("NYC", "New York", "NY", "11 Times Sq", "10036", "212"),
        ("CHI", "Chicago", "IL", "200 E Randolph St", "60601", "312"),
        ("AUS", "Austin", "TX", "500 W 2nd St", "78701", "512"),
        ("ATL", "Atlanta", "GA", "1180 Peachtree St NE", "30309", "404"),
        ("DEN", "Denver", "CO", "1801 California St", "80202", "303"),
        ("BOS", "Boston", "MA", "1 Federal St", "02110", "617"),
        ("ARL", "Arlington", "VA", "1400 Crystal Dr", "22202", "703"),
        ("DCA", "Washington", "DC", "901 K St NW", "20001", "202"),
    )
)
_CN_OFFICES = tuple(
    Office(code, city, state, "中国", "CN", street, postal, f"+86 {area}")
    for code, city, state, street, postal, area in (
        ("PEK", "北京", "北京市", "海淀区丹棱街5号", "100080", "10"),
        ("SHA", "上海", "上海市", "闵行区紫竹园区", "200241", "21"),
        ("SZX", "深圳", "广东省", "南山区科技园", "518057", "755"),
        ("CAN", "广州", "广东省", "天河区珠江新城", "510623", "20"),
        ("HGH", "杭州", "浙江省", "西湖区文三路", "310012", "571"),
        ("CTU", "成都", "四川省", "高新区天府大道", "610041", "28"),
        ("NKG", "南京", "江苏省", "建邺区江东中路", "210019", "25"),
        ("WUH", "武汉", "湖北省", "洪山区光谷大道", "430074", "27"),
    )
)


@dataclass(frozen=True)
class LocalePeople:
    """Name pools and offices of one faker locale; build once with :func:`locale_people`."""

    locale: str
    #: (given names, family names, their ASCII forms) per gender; repeats keep faker's frequencies.
    names: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]
    family_first: bool
    offices: tuple[Office, ...]
    language: str
    #: faker phone numbers whose last digits are re-drawn per user (locales without a fixed plan).
    phone_templates: tuple[str, ...]


def ascii_name(text: str) -> str:
    """A name as lower-case ASCII letters for UPNs and mail nicknames (romanizes CJK, folds accents)."""
    fixed = "".join(_PINYIN_FIXES.get(ch, ch) for ch in text)
    return _NOT_ASCII_NAME.sub("", unidecode(fixed).lower())[:30]


def locale_people(locale: str, pool_size: int = 3000) -> LocalePeople:
    """Draw name pools and offices for ``locale`` from faker, deterministically (tens of ms)."""
    fake = Faker(locale)
    fake.seed_instance(20240601)
    chinese = locale.startswith("zh")
    names = []
    for gender in ("male", "female"):
        given = _draw_names(fake, "first_name", gender, pool_size)
        if chinese:
            # faker's Chinese given names are mostly one character; real ones are mostly two.
            extra = iter([c for c in _draw_names(fake, "first_name", gender, 2 * pool_size) if len(c) == 1])
            given = [n + next(extra, "") if len(n) == 1 and fake.random.random() < 0.6 else n for n in given]
        family = _draw_names(fake, "last_name", gender, pool_size)
        names.append(
            (
                tuple(given),
                tuple(family),
                tuple(ascii_name(n) or "user" for n in given),
                tuple(ascii_name(n) or "user" for n in family),
            )
        )
    parts = locale.split("_")
    country = parts[1].upper() if len(parts) == 2 and len(parts[1]) == 2 else "US"
    if country == "US":
        offices = _US_OFFICES
    elif country == "CN":
        offices = _CN_OFFICES
    else:
        offices = tuple(_faker_office(fake, i, country) for i in range(6))
    return LocalePeople(
        locale=locale,
        names=tuple(names),
        family_first=locale.startswith(_FAMILY_FIRST),
        offices=offices,
        language=locale.replace("_", "-"),
        phone_templates=tuple(_phone_template(fake) for _ in range(64)),
    )


def _draw_names(fake: Faker, kind: str, gender: str, n: int) -> list[str]:
    """``n`` names weighted as faker weights them: in one draw from the locale's name table if it has
    one (``first_names_male``, ``last_names``), else one faker call per name."""
    person = fake.provider("faker.providers.person")
    for table in (f"{kind}s_{gender}", f"{kind}s"):
        data = getattr(person, table, None)
        if isinstance(data, dict | list | tuple) and data:
            return list(fake.random_elements(data, length=n, use_weighting=True))
    method = getattr(fake, f"{kind}_{gender}")
    return [method() for _ in range(n)]


def _phone_template(fake: Faker) -> str:
    try:
        return fake.phone_number()
    except AttributeError:  # a few locales have no phone provider
        return fake.numerify("+## ### ### ####")


def _faker_office(fake: Faker, i: int, country: str) -> Office:
    state = ""
    for attr in ("state", "administrative_unit", "region", "province"):
        if hasattr(fake, attr):
            state = getattr(fake, attr)()
            break
    city = fake.city()
    code = (ascii_name(city)[:3] or f"of{i}").upper()
    try:
        country_name = fake.current_country()
    except (AttributeError, ValueError):  # a few locales have no (unambiguous) country
        country_name = country
    return Office(code, city, state, country_name, country, fake.street_address(), fake.postcode(), "")


def _phones(people: LocalePeople, office: Office, draw: Callable[[], float]) -> tuple[str, str]:
    """A business phone at ``office`` and a mobile phone, in the local numbering style."""
    if office.usage_location == "US":
        area = office.phone_prefix
        return (
            f"{area} {200 + int(draw() * 800)} {int(draw() * 10000):04d}",
            f"{area} {200 + int(draw() * 800)} {int(draw() * 10000):04d}",
        )
    if office.usage_location == "CN" and office.phone_prefix:
        return (
            f"{office.phone_prefix} {1000 + int(draw() * 9000)} {int(draw() * 10000):04d}",
            f"+86 1{3 + int(draw() * 7)}{int(draw() * 10)} {int(draw() * 10000):04d} {int(draw() * 10000):04d}",
        )
    templates = people.phone_templates
    out = []
    for _ in range(2):
        tmpl = templates[int(draw() * len(templates))]
        out.append(tmpl[:-4] + f"{int(draw() * 10000):04d}" if tmpl[-4:].isdigit() else tmpl)
    return out[0], out[1]


def iter_members(
    people: LocalePeople,
    rng: random.Random,
    count: int,
    *,
    domain: str,
    company: str,
    disabled_percent: float,
    now: datetime,
    since: datetime,
    taken: dict[str, int],
) -> Iterator[tuple[str, dict]]:
    """Yield ``(object id, create body)`` for ``count`` member users of one tenant.

    ``taken`` maps each UPN local part base to how often it is used, so callers can share it between
    calls (members, then guests) and UPNs stay unique; ``since`` is when the tenant was created.
    Bodies share equal values (one ``onPremisesExtensionAttributes`` dict per cost centre): read them,
    don't change them in place.
    """
    draw = rng.random
    dept_names = [d for d, (w, _) in DEPARTMENTS.items() for _ in range(w)]
    titles = {d: t for d, (_, t) in DEPARTMENTS.items()}
    dept_code = {d: 1000 + 100 * i for i, d in enumerate(DEPARTMENTS)}
    offices = people.offices
    family_first = people.family_first
    today = now.date().toordinal()
    since_day = since.date().toordinal()
    employee_base = 100000 + int(draw() * 800000)
    disabled_cut = disabled_percent / 100.0
    # Values many users share are one object each (interned, or from these caches): a million-user
    # tenant holds ~5,000 hire dates and ~40,000 office rooms, not a million copies of each.
    intern = sys.intern
    hire_dates: dict[int, str] = {}
    extension_attributes: dict[str, dict[str, str]] = {}
    for i in range(count):
        given, family, given_a, family_a = people.names[int(draw() * 2)]
        gi = int(draw() * len(given))
        fi = int(draw() * len(family))
        first, last = given[gi], family[fi]
        local = _unique(f"{given_a[gi]}.{family_a[fi]}", taken)
        dept = dept_names[int(draw() * len(dept_names))]
        dept_titles = titles[dept]
        office = offices[int(draw() * len(offices))]
        hired = today - 7 - int(draw() * 5400)
        created = min(today - 1, max(since_day + int(draw() * 30), hired - int(draw() * 14)))
        cost_centre = intern(f"CC{dept_code[dept] + int(draw() * 20)}") if draw() < 0.7 else None
        upn = f"{local}@{domain}"
        business_phone, mobile_phone = _phones(people, office, draw)
        body = {
            "accountEnabled": draw() >= disabled_cut,
            "displayName": f"{last}{first}" if family_first else f"{first} {last}",
            "givenName": first,
            "surname": last,
            "userPrincipalName": upn,
            "mailNickname": local,
            "mail": upn,
            "userType": "Member",
            "jobTitle": dept_titles[int(draw() * len(dept_titles))],
            "department": dept,
            "companyName": company,
            "employeeId": str(employee_base + i),
            "employeeType": "Contractor" if draw() < 0.08 else "Employee",
            "employeeHireDate": hire_dates.get(hired) or hire_dates.setdefault(hired, _day(hired)),
            "officeLocation": intern(
                f"{office.code} {1 + int(draw() * 12)}/{1 + int(draw() * 6)}{int(draw() * 60):02d}"
            ),
            "streetAddress": office.street,
            "city": office.city,
            "state": office.state,
            "postalCode": office.postal_code,
            "country": office.country,
            "usageLocation": office.usage_location,
            "preferredLanguage": people.language,
            "businessPhones": [business_phone],
            "mobilePhone": mobile_phone,
            "showInAddressList": True,
            "createdDateTime": _timestamp(created, int(draw() * 86400)),
        }
        if cost_centre is not None:
            # Stored sparse like the directory stores users: Graph output fills the other 14 with null.
            # Shared by the users of a cost centre: the directory replaces the value, never edits it.
            ext = extension_attributes.get(cost_centre)
            if ext is None:
                ext = extension_attributes[cost_centre] = {"extensionAttribute1": cost_centre}
            body["onPremisesExtensionAttributes"] = ext
        yield new_id(rng), body


def iter_guests(
    people: LocalePeople,
    rng: random.Random,
    count: int,
    *,
    domain: str,
    now: datetime,
    since: datetime,
    taken: dict[str, int],
) -> Iterator[tuple[str, dict]]:
    """Yield ``(object id, create body)`` for pre-existing B2B guests invited from partner tenants."""
    draw = rng.random
    today = now.date().toordinal()
    since_day = since.date().toordinal()
    for _ in range(count):
        given, family, given_a, family_a = people.names[int(draw() * 2)]
        gi = int(draw() * len(given))
        fi = int(draw() * len(family))
        home = PARTNER_DOMAINS[int(draw() * len(PARTNER_DOMAINS))]
        local = _unique(f"{given_a[gi]}.{family_a[fi]}_{home}#EXT#", taken, before="_")
        home_local = local.split("_", 1)[0]
        upn = f"{local}@{domain}"
        invited = min(today - 1, since_day + int(draw() * max(1, today - since_day)))
        redeemed = min(today - 1, invited + int(draw() * 5))
        first, last = given[gi], family[fi]
        body = {
            "accountEnabled": True,
            "displayName": f"{last}{first}" if people.family_first else f"{first} {last}",
            "givenName": first,
            "surname": last,
            "userPrincipalName": upn,
            "mailNickname": local,
            "mail": f"{home_local}@{home}",
            "otherMails": [f"{home_local}@{home}"],
            "userType": "Guest",
            "creationType": "Invitation",
            "externalUserState": "Accepted",
            "externalUserStateChangeDateTime": _timestamp(redeemed, int(draw() * 86400)),
            "showInAddressList": False,
            "identities": [
                {"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": None},
                {"signInType": "userPrincipalName", "issuer": domain, "issuerAssignedId": upn},
            ],
            "createdDateTime": _timestamp(invited, int(draw() * 86400)),
        }
        yield new_id(rng), body


def _unique(base: str, taken: dict[str, int], before: str | None = None) -> str:
    """``base``, or ``base`` with a number (before the ``before`` separator) when already taken.

    Name parts never contain digits, so a numbered name cannot collide with another base.
    """
    n = taken.get(base)
    if n is None:
        taken[base] = 1
        return base
    taken[base] = n + 1
    if before is None:
        return f"{base}{n + 1}"
    head, tail = base.split(before, 1)
    return f"{head}{n + 1}{before}{tail}"


def _day(day: int) -> str:
    return f"{date.fromordinal(day).isoformat()}T00:00:00Z"


def _timestamp(day: int, second: int) -> str:
    h, rem = divmod(second, 3600)
    return f"{date.fromordinal(day).isoformat()}T{h:02d}:{rem // 60:02d}:{rem % 60:02d}Z"


#: Masks that turn 128 random bits into a version-4, RFC 4122 variant UUID (as ``uuid.UUID`` does).
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (0x4000 << 64)


def new_id(rng: random.Random) -> str:
    """A random GUID from ``rng``: ``str(uuid.UUID(int=rng.getrandbits(128), version=4))``.

    Formatted directly, which is twice as fast; a million-user tenant draws a million of them.
    """
    h = f"{(rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
