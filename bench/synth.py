"""A synthetic extraction corpus in kg's real format, at any size, for benchmarks and tests.

    python bench/synth.py --documents 3000 --out /tmp/corpus [--seed S] [--violations K]
                          [--sources /tmp/texts]

The corpus looks like the curated seeds: a registry of people, parties with nested
committees, unions, factions, outlets and posts; one document file per source, each
with its source (file name and the SHA-256 of a generated source text), roles,
elections (with candidacies and slates), votes, disciplinary chains, organisational
changes, many claims (attitude, stance, towards) and corroborations, every fact with
verbatim evidence and code-point offsets into its source text. Facts are shared: most
are stated by several documents, restated with agreeing fields or listed under
``corroborates``. Each document also has some of the newer records of its own: a
reproduced message, an unnamed agent a claim rests on (certainty and ``according_to``),
an event claims took place at, a name statement, a composition of a body; and the
metadata of sources, articles and messages carries field evidence. About 2,300
documents make about a million triples.

Output is a function of the arguments only: the same arguments give byte-identical
files (every random choice comes from ``random.Random`` seeded with a string).

``--violations K`` injects K known SHACL violations, each of a different kind, that
load and cross-check fine but fail validation. They are listed, with the focus node
and the shape that must report them, in ``.violations.json`` inside the output
directory (hidden because kg reads every ``.json`` file there as a document file).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BASE = "https://w3id.org/kg/id/"
SHAPES = "https://w3id.org/kg/shapes#"
MANIFEST = ".violations.json"
REGISTRY = "registry.yaml"

CALIBRATION = (
    (10, 5_226),
    (20, 9_785),
    (40, 18_267),
    (100, 44_166),
    (300, 131_866),
    (1_000, 433_862),
    (3_000, 1_317_487),
)
"""(documents, distinct triples of the built graph) measured with seed 0; other seeds differ
by a few per cent. About 440 triples per document from 40 documents up."""

# --------------------------------------------------------------------------- YAML

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 .,()’'/&\u00c0-\u024f-]*[A-Za-z0-9.)’\u00c0-\u024f]$")
_RESERVED = {"yes", "no", "y", "n", "true", "false", "on", "off", "null"}


def _scalar(value: Any) -> str:
    """One scalar, plain where YAML 1.1 and 1.2 agree on it, else JSON-quoted (valid YAML)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and "  " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _block(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = _scalar(key)
            if isinstance(item, dict) and item:
                lines.append(f"{pad}{name}:")
                lines += _block(item, indent + 2)
            elif isinstance(item, list) and item:
                lines.append(f"{pad}{name}:")
                lines += _block(item, indent)  # the seeds' style: "- " under the key
            else:
                lines.append(f"{pad}{name}: {_flow(item)}")
        return lines
    for item in value:
        if isinstance(item, dict) and item:
            inner = _block(item, indent + 2)
            inner[0] = f"{pad}- {inner[0][indent + 2 :]}"
            lines += inner
        else:
            lines.append(f"{pad}- {_flow(item)}")
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}"
    return _scalar(value)


def to_yaml(data: dict[str, Any], comment: str = "") -> str:
    """Block YAML in the style of the seeds; our own emitter, so output is the same anywhere."""
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    return head + "\n".join(_block(data, 0)) + "\n"


# --------------------------------------------------------------------------- names

FIRST = """
Ada Aisha Alan Amara Ann Arjun Beatriz Bram Carla Chloé Ciarán Cora Daniel Dev Eamon Efe
Elena Emma Farid Fiona Gareth Grace Hamid Hannah Ian Imogen Isaac Jana Jon José Karen Kwame
Laila Leon Lucía Maeve Mara Marek Maya Mohammed Nadia Niamh Noor Olu Owen Priya Rachel Raúl
Rhys Rosa Sam Seán Sofia Tariq Tom Uma Vikram Wendy Yusuf Zoë Zeynep
""".split()  # noqa: SIM905
LAST = """
Abbott Adeyemi Ahmed Akhtar Baxter Bell Bhatt Brennan Byrne Carter Chowdhury Clarke Costa
Dawson Díaz Doyle Duffy Ellis Evans Farrell Fischer Fleming Gallagher García Gill Gordon
Grant Hale Hassan Hughes Hussain Iqbal Jackson Jenkins Joshi Kaur Kelly Khan Kowalski Lane
Lewis Lloyd Lynch Mahmood Marsh McBride McCarthy Mensah Mitchell Molloy Moreno Murphy Nash
Novak Nwosu Okafor Oliveira Osei Owusu Patel Pearce Pérez Quinn Rahman Reid Rees Riley Rossi
Russell Sandoval Shah Sharma Singh Sweeney Taylor Thornton Turner Varga Walsh Ward Watts
Webb Whelan Wright Yilmaz Young Zielinski
""".split()  # noqa: SIM905
PLACES = """
Riverside Northgate Eastfield Westmoor Southbury Kingsbridge Ashford Bramley Calder Dunmore
Elmstead Fairhaven Glenrock Harrowby Ironbridge Juniper Kelmscott Larkhill Millbrook
Newhaven Oakridge Pennington Queensbury Redcliffe Stonebridge Thornbury Upton Valemount
Whitcombe Yardley Ashbourne Beckton Carnforth Denholme Eskdale Farleigh Greywell Hartley
Ingleby Kirkwall
""".split()  # noqa: SIM905
PARTY_WORDS = """
Labour Party
Socialist Party
Green Party
Democratic Party
People’s Party
Co-operative Party
Workers’ Party
Radical Party
Progressive Party
Left Party
""".splitlines()[1:]
SECTORS = """
Transport Rail Teachers Health Postal Retail Civil-Service Energy Construction Media
Hospitality Care Engineering Communications Public-Service Shipyard Textile Mining
""".split()  # noqa: SIM905
FACTION_WORDS = """
Momentum Forward Renewal Grassroots Solidarity Horizon Compass Unity Red-Flag Beacon Tribune
Commonwealth Spark Keystone Lantern Meridian
""".split()  # noqa: SIM905
ALLEGATIONS = """
antisemitic social media posts
sharing material from a proscribed group
supporting a rival candidate
bullying of party staff
breaching the code of conduct
misuse of branch funds
abusive messages to a councillor
support for an organisation outside the party
leaking confidential NEC papers
""".splitlines()[1:]
RULES = ("rule 2.1.4.B", "rule 2.1.8", "chapter 2, clause I.8", "chapter 6, clause I.1", "rule 5.3")
MOTIONS = """
abolish the post of deputy leader
adopt a new constitution
open selection of candidates
a ban on corporate donations
a members’ vote on the general secretary
withdraw from the electoral alliance
a review of the disciplinary process
a national conference in the spring
cut the affiliation fee for unions
publish NEC minutes to members
suspend the youth wing’s funding
an independent complaints process
a one member one vote leadership ballot
condemn the suspension of local officers
merge the regional committees
""".splitlines()[1:]
STATEMENTS = """
{org} has been run from the top down for far too long
members should elect the {post} directly
{person} is the only candidate who can unite {org}
the suspension of {person} was politically motivated
{org} will lose members if it does not change course
the leadership ignored the views of members at conference
{person} has done more than anyone to rebuild {org}
the disciplinary process has been used against the left
{org} must be open about who funds it
the decision of the {body} was taken without consultation
the new rules will hand power back to local branches
{person} should apologise for the remarks
nobody voted for the changes that {org} imposed
the {body} acted within the rules throughout
{org} is heading for its worst result in a generation
""".splitlines()[1:]
CLAIM_SLUGS = """
top-down elect-directly can-unite politically-motivated lose-members ignored-members rebuilt
process-against-left open-funding without-consultation power-to-branches should-apologise
nobody-voted within-rules worst-result
""".split()  # noqa: SIM905
ATTITUDES = frozenset({"asserts", "alleges", "predicts"})
STANCES: tuple[str, ...] = (
    *("asserts",) * 5,
    *("criticises",) * 2,
    *("alleges", "supports", "denies", "disputes", "predicts"),
)
FILLERS = """
The party did not respond to a request for comment.
Further meetings are planned for the coming weeks.
Several members spoke on condition of anonymity.
The row has dominated branch meetings for months.
A spokesperson said the matter was now closed.
Local activists described the mood as tense.
Officials declined to give further details.
The decision is expected to be challenged at the next conference.
Turnout at recent meetings has been low.
Critics say the process lacked transparency.
Supporters gathered outside the meeting on Saturday.
The minutes of the meeting have not been published.
""".splitlines()[1:]
MONTHS = """
January February March April May June July August September October November December
""".split()  # noqa: SIM905
KIND_WEIGHTS = (
    ("news-report", 58),
    ("opinion", 14),
    ("blog-post", 8),
    ("statement", 7),
    ("interview", 5),
    ("archive-page", 5),
    ("email", 3),
)


def slug(text: str, limit: int = 120) -> str:
    """An id from a name: ASCII, lower case, single hyphens (as the seeds' curators do)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True, slots=True)
class Day:
    """A date with the precision a source states it in."""

    year: int
    month: int = 0
    day: int = 0

    @property
    def text(self) -> str:
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
        if self.day:
            out += f"-{self.day:02d}"
        return out

    @property
    def words(self) -> str:
        if not self.month:
            return str(self.year)
        month = MONTHS[self.month - 1]
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"

    @property
    def when(self) -> str:
        """'on 4 May 2018', 'in May 2018' or 'in 2018'."""
        return f"{'on' if self.day else 'in'} {self.words}"


def _day(rng: random.Random, year: int, precision: str = "") -> Day:
    precision = precision or rng.choices(("year", "month", "day"), (2, 3, 5))[0]
    if precision == "year":
        return Day(year)
    month = rng.randint(1, 12)
    return Day(year, month) if precision == "month" else Day(year, month, rng.randint(1, 28))


# --------------------------------------------------------------------------- the world


@dataclass(slots=True)
class Fact:
    """A fact of the synthetic world, as every document that states it writes it."""

    section: str
    id: str
    fields: dict[str, Any]
    quotes: list[str]
    """Sentences a source may quote as evidence for it."""
    parts: dict[str, list[str]] = field(default_factory=dict)
    """Per candidacy (by candidate id): sentences quoted as its evidence."""
    year: int = 2015
    entities: tuple[str, ...] = ()
    """Registry ids the fact is about (claims in the same document may be about them)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """An injected SHACL violation: which focus node the shape must report, and where."""

    kind: str
    focus: str
    shape: str
    file: str
    record: str


VIOLATION_KINDS = (
    "winner-not-candidate",
    "tenure-ends-before-start",
    "readmission-follows-other-subject",
    "action-follows-later-action",
    "organisation-unit-of-itself",
    "readmission-follows-non-exclusion",
    "readmission-follows-itself",
)
"""Kinds of injected violation, in the order they are used."""


class World:
    """The registry and the facts of a synthetic political scene sized for ``documents``."""

    def __init__(self, documents: int, seed: int) -> None:
        self.n = max(1, documents)
        self.rng = random.Random(f"{seed}:world")
        self.people: list[dict[str, Any]] = []
        self.orgs: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.names: dict[str, str] = {}
        self.post_org: dict[str, str] = {}
        self.used: set[str] = set()
        self.facts: list[Fact] = []
        self.parties: list[dict[str, Any]] = []
        self.unions: list[str] = []
        self.factions: list[str] = []
        self.outlets: list[str] = []
        self.authorities: list[str] = []
        self.journalists: list[str] = []
        self.politicians: list[str] = []
        self.home: dict[str, dict[str, Any]] = {}
        self.slates = 0
        self._build_registry()
        self._build_facts()

    # ----------------------------------------------------------------- registry

    def _id(self, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ``-3`` ... if taken: ids are global to the corpus."""
        candidate, number = wanted, 2
        while candidate in self.used:
            candidate = f"{wanted}-{number}"
            number += 1
        self.used.add(candidate)
        return candidate

    def _org(self, name: str, kind: str, parent: str | None = None, oid: str = "") -> str:
        oid = self._id(oid or slug(name, 80))
        record: dict[str, Any] = {"id": oid, "name": name, "kind": kind}
        if parent:
            record["parent"] = parent
        self.orgs.append(record)
        self.names[oid] = name
        return oid

    def _post(self, org: str, title: str, name: str) -> str:
        pid = self._id(f"{org}-{slug(title)}")
        self.posts.append({"id": pid, "name": name, "organisation": org})
        self.names[pid] = name
        self.post_org[pid] = org
        return pid

    def _person(self, name: str, description: str) -> str:
        pid = self._id(slug(name))
        record: dict[str, Any] = {"id": pid, "name": name}
        rng = self.rng
        if rng.random() < 0.3:
            aliases = [name.split()[-1]]
            if rng.random() < 0.3:
                aliases.append(f"{name.split()[0][0]}. {name.split()[-1]}")
            record["aliases"] = aliases
        if rng.random() < 0.08:
            record["wikidata"] = f"Q{rng.randint(1000, 99_999_999)}"
        record["description"] = description
        self.people.append(record)
        self.names[pid] = name
        return pid

    def _names(self, count: int) -> list[str]:
        rng = self.rng
        pairs = [f"{f} {last}" for f in FIRST for last in LAST]
        rng.shuffle(pairs)
        while len(pairs) < count:  # beyond 5,000 people: add a second given name
            pairs += [f"{rng.choice(FIRST)} {p}" for p in pairs[: count - len(pairs)]]
        return pairs[:count]

    def _build_registry(self) -> None:
        n, rng = self.n, self.rng
        places = list(PLACES)
        rng.shuffle(places)
        for index in range(1 + n // 250):
            place = places[index % len(places)]
            word = PARTY_WORDS[(index // len(places) + index) % len(PARTY_WORDS)]
            name = f"{place} {word}" if index < len(places) * 2 else f"{place} {word} {index}"
            party = self._org(name, "party")
            short = slug(place)
            nec = self._org(
                f"National Executive Committee of the {name}", "committee", party, f"{party}-nec"
            )
            panel = self._org(
                f"{name} NEC Disputes Panel", "committee", nec, f"{nec}-disputes-panel"
            )
            conference = self._org(f"{name} Conference", "party-unit", party, f"{party}-conference")
            group = self._org(
                f"{name} Parliamentary Group",
                "parliamentary-group",
                party,
                f"{party}-parliamentary-group",
            )
            youth = self._org(f"Young {name}", "party-unit", party, f"{party}-youth")
            branches = []
            for b in range(1 + n // 150):
                town = places[(index * 7 + b + 1) % len(places)]
                label = town if b < len(places) else f"{town} {b}"
                branch = self._org(
                    f"{label} branch of the {name}",
                    "party-unit",
                    party,
                    f"{party}-{slug(label)}-branch",
                )
                branches.append(branch)
            posts = {
                "leader": self._post(party, "leader", f"Leader of the {name}"),
                "deputy": self._post(party, "deputy-leader", f"Deputy Leader of the {name}"),
                "gensec": self._post(
                    party, "general-secretary", f"General Secretary of the {name}"
                ),
                "treasurer": self._post(party, "treasurer", f"Treasurer of the {name}"),
                "chair": self._post(party, "chair", f"Chair of the {name}"),
                "necchair": self._post(nec, "chair", f"Chair of the {short} NEC"),
            }
            branch_posts = [
                self._post(branch, "secretary", f"Secretary of the {self.names[branch]}")
                for branch in branches
            ]
            self.parties.append(
                {
                    "id": party,
                    "nec": nec,
                    "panel": panel,
                    "conference": conference,
                    "group": group,
                    "youth": youth,
                    "branches": branches,
                    "posts": posts,
                    "branch_posts": branch_posts,
                    "members": [],
                }
            )
        for index in range(1 + n // 400):
            sector = SECTORS[index % len(SECTORS)].replace("-", " ")
            suffix = f" {index // len(SECTORS) + 1}" if index >= len(SECTORS) else ""
            union = self._org(f"{sector} Workers’ Union{suffix}", "trade-union")
            executive = self._org(
                f"{sector} Workers’ Union{suffix} Executive",
                "committee",
                union,
                f"{union}-executive",
            )
            self._post(union, "general-secretary", f"General Secretary of the {self.names[union]}")
            self.unions.append(union)
            self.factions.append(executive)  # votes are held there too
        for index in range(2 + n // 250):
            word = FACTION_WORDS[index % len(FACTION_WORDS)].replace("-", " ")
            suffix = f" {index // len(FACTION_WORDS) + 1}" if index >= len(FACTION_WORDS) else ""
            kind = "faction" if index % 2 else "campaign-group"
            faction = self._org(
                f"{word}{suffix}", kind, oid=f"{slug(word)}{slug(suffix) and '-'}{slug(suffix)}"
            )
            self._org(
                f"{word}{suffix} Steering Committee",
                "committee",
                faction,
                f"{faction}-steering-committee",
            )
            self._post(faction, "chair", f"Chair of {word}{suffix}")
            self.factions.append(faction)
        for index in range(2 + n // 200):
            place = places[(index * 3) % len(places)]
            style = ("Gazette", "Tribune", "Chronicle", "Courier", "Review")[index % 5]
            suffix = f" {index // 5 + 1}" if index >= 5 * len(places) else ""
            self.outlets.append(self._org(f"The {place} {style}{suffix}", "media-outlet"))
        self.authorities.append(self._org("Equality and Rights Commission", "government-body"))
        self.authorities.append(self._org("Institute for Public Policy Studies", "think-tank"))
        reporters = 2 + n // 40  # the world grows with the corpus, from a small floor
        names = self._names(reporters + 6 + n // 2)
        for name in names[:reporters]:
            outlet = rng.choice(self.outlets)
            self.journalists.append(self._person(name, f"Journalist at {self.names[outlet]}."))
            self.home[self.journalists[-1]] = {"outlet": outlet}
        for name in names[reporters:]:
            joined = rng.choice(self.parties)
            ally = rng.choice(self.factions) if rng.random() < 0.5 else None
            text = f"Member of the {self.names[joined['id']]}"
            text += f"; {self.names[ally]} activist." if ally else "."
            pid = self._person(name, text)
            self.politicians.append(pid)
            joined["members"].append(pid)
            self.home[pid] = {"party": joined, "faction": ally}

    # ----------------------------------------------------------------- facts

    def _fact(
        self,
        section: str,
        wanted: str,
        fields: dict[str, Any],
        quotes: list[str],
        year: int,
        entities: Iterable[str],
        parts: dict[str, list[str]] | None = None,
    ) -> Fact:
        fid = self._id(wanted)
        fact = Fact(section, fid, {"id": fid, **fields}, quotes, parts or {}, year, tuple(entities))
        self.facts.append(fact)
        return fact

    def name(self, record_id: str) -> str:
        return self.names[record_id]

    def _member(self, party: dict[str, Any]) -> str:
        members: list[str] = party["members"] or self.politicians
        return self.rng.choice(members)

    def _build_facts(self) -> None:
        rng = self.rng
        for person in self.politicians:
            self._tenures_of(person)
        for journalist in self.journalists:
            outlet = self.home[journalist]["outlet"]
            role = rng.choice(("reporter", "political correspondent", "deputy editor", "columnist"))
            start = _day(rng, rng.randint(2005, 2018), "year")
            name = self.name(journalist)
            self._fact(
                "roles",
                f"{journalist}-{slug(role)}-{outlet}",
                {
                    "person": journalist,
                    "organisation": outlet,
                    "role": role,
                    "start": start.text,
                    "status": "current",
                },
                [
                    f"{name} is {role} at {self.name(outlet)}",
                    f"{self.name(outlet)}’s {role} {name}",
                ],
                start.year,
                (journalist, outlet),
            )
        for party in self.parties:
            self._post_holders(party)
        for _ in range(max(1, self.n // 6)):
            self._election()
        for _ in range(max(1, self.n // 5)):
            self._vote()
        for _ in range(max(1, self.n // 6)):
            self._chain()
        for _ in range(max(1, self.n // 8)):
            self._change()

    def _tenures_of(self, person: str) -> None:
        rng, home = self.rng, self.home[person]
        party = home["party"]
        name = self.name(person)
        start = _day(rng, rng.randint(1995, 2017))
        fields: dict[str, Any] = {"person": person, "organisation": party["id"], "role": "member"}
        roll = rng.random()
        if roll < 0.1:
            pass  # undated, no status: an info, as in the seeds
        else:
            fields["start"] = start.text
            if roll < 0.25:
                end = _day(rng, start.year + rng.randint(1, 6))
                fields["end"] = end.text
                fields["status"] = "former"
            else:
                fields["status"] = "current"
        party_name = self.name(party["id"])
        quotes = [
            f"{name}, a member of the {party_name} since {start.words}",
            f"{name} joined the {party_name} {start.when}",
        ]
        if "start" not in fields:
            quotes = [f"{name}, a {party_name} member", f"party member {name}"]
        self._fact(
            "roles",
            f"{person}-member-{party['id']}",
            fields,
            quotes,
            start.year,
            (person, party["id"]),
        )
        if rng.random() < 0.4:
            nec = party["nec"]
            year = rng.randint(2012, 2021)
            self._fact(
                "roles",
                f"{person}-member-{nec}",
                {
                    "person": person,
                    "organisation": nec,
                    "role": "member",
                    "start": str(year),
                    "status": rng.choice(("current", "current", "former")),
                },
                [f"{name}, who was elected to the NEC in {year}", f"NEC member {name}"],
                year,
                (person, nec),
            )
        faction = home["faction"]
        if faction is not None and rng.random() < 0.6:
            role = rng.choice(("member", "organiser", "founder", "secretary", "treasurer"))
            year = rng.randint(2012, 2021)
            fields = {"person": person, "organisation": faction, "role": role}
            if rng.random() < 0.7:
                fields["start"] = _day(rng, year, "month").text
            self._fact(
                "roles",
                f"{person}-{role}-{faction}",
                fields,
                [
                    f"{name}, a {role} of {self.name(faction)}",
                    f"{self.name(faction)} {role} {name}",
                ],
                year,
                (person, faction),
            )

    def _post_holders(self, party: dict[str, Any]) -> None:
        rng = self.rng
        posts = list(party["posts"].values()) + list(party["branch_posts"])
        for post in posts:
            year = rng.randint(2005, 2012)
            for turn in range(rng.randint(1, 3)):
                person = self._member(party)
                start = _day(rng, year, rng.choice(("year", "month", "day")))
                last = turn == 2 or rng.random() < 0.4
                fields: dict[str, Any] = {"person": person, "post": post, "start": start.text}
                name, title = self.name(person), self.name(post)
                quotes = [f"{name} became {title} {start.when}", f"{title} {name}"]
                if last:
                    fields["status"] = "current"
                else:
                    end = _day(rng, start.year + rng.randint(1, 4), "month")
                    fields["end"] = end.text
                    fields["status"] = "former"
                    quotes.append(f"{name} stood down as {title} {end.when}")
                self._fact(
                    "roles",
                    f"{person}-{post}",
                    fields,
                    quotes,
                    start.year,
                    (person, post, self.post_org[post]),
                )
                if last:
                    break
                year = start.year + rng.randint(2, 5)

    def _election(self) -> None:
        rng = self.rng
        party = rng.choice(self.parties)
        year = rng.randint(2012, 2023)
        party_name = self.name(party["id"])
        fields: dict[str, Any]
        if rng.random() < 0.75:
            key = rng.choice(("leader", "deputy", "gensec", "chair", "treasurer"))
            post = party["posts"][key]
            title = self.name(post).split(" of the ")[0].lower()
            wanted = f"{post}-election-{year}"
            label = f"{year} {party_name} {title} election"
            fields = {"name": label, "post": post}
            contested = title
        else:
            nec = party["nec"]
            wanted, label = f"{nec}-election-{year}", f"{year} {party_name} NEC election"
            fields = {"name": label, "body": nec}
            contested = "a seat on the NEC"
        electorate = party["id"] if rng.random() < 0.6 else party["nec"]
        fields["electorate"] = electorate
        date = _day(rng, year, "day")
        fields["date"] = date.text
        fields["method"] = (
            "one member one vote" if electorate == party["id"] else "chosen by the NEC"
        )
        candidates: list[str] = []
        for _ in range(rng.randint(2, 4)):
            person = self._member(party)
            if person not in candidates:
                candidates.append(person)
        if len(candidates) < 2:
            candidates.append(rng.choice([p for p in self.politicians if p not in candidates]))
        winner = candidates[0]
        candidacies, parts, total = [], {}, 0
        for index, person in enumerate(candidates):
            name = self.name(person)
            candidacy: dict[str, Any] = {"candidate": person}
            if index == 0:
                votes = rng.randint(400, 9000)
                candidacy.update(status="elected", votes=votes)
                sentences = [
                    f"{name} won the contest with {votes:,} votes",
                    f"{name} was elected {contested}",
                ]
            elif rng.random() < 0.25:
                candidacy.update(status="withdrawn", date=_day(rng, year, "month").text)
                sentences = [
                    f"{name} has pulled out of the contest",
                    f"{name} withdrew from the race for {contested}",
                ]
                votes = 0
            else:
                votes = rng.randint(50, 399)
                candidacy.update(status="defeated", votes=votes)
                sentences = [
                    f"{name} finished with {votes:,} votes",
                    f"{name} came behind with {votes:,} votes",
                ]
            total += votes
            if rng.random() < 0.4:
                backers = rng.sample(self.politicians + self.unions, k=rng.randint(1, 2))
                backers = [b for b in backers if b != person]
                if backers:
                    candidacy["endorsed_by"] = backers
                    sentences.append(
                        f"{name}, who is backed by " + " and ".join(self.name(b) for b in backers)
                    )
            candidacies.append(candidacy)
            parts[person] = sentences
        if len(candidates) >= 3 and (not self.slates or rng.random() < 0.5):
            self.slates += 1
            fields["slates"] = [self._slate(wanted, party, candidates, parts)]
        fields["ballots_cast"] = total
        if rng.random() < 0.5:
            fields["turnout"] = round(rng.uniform(18, 82), 1)
        fields["candidacies"] = candidacies
        fields["winner"] = winner
        quotes = [
            f"the {label}",
            f"{total:,} ballots were cast in the {label}",
            f"the result of the {label} was announced {date.when}",
        ]
        self._fact(
            "elections", wanted, fields, quotes, year, (party["id"], electorate, *candidates), parts
        )

    def _slate(
        self,
        election: str,
        party: dict[str, Any],
        candidates: list[str],
        parts: dict[str, list[str]],
    ) -> dict[str, Any]:
        """A slate backed by a faction: some candidates on it, one left off; the sentences a
        source may quote for it go into ``parts`` under the slate's key."""
        rng = self.rng
        backer = rng.choice(self.factions)
        on = candidates[: rng.randint(1, len(candidates) - 1)]
        key = f"{election}-{slug(self.name(backer))}-slate"
        name = f"{self.name(backer)} slate"
        parts[key] = [
            f"the {name}, " + " and ".join(self.name(p) for p in on),
            f"{self.name(candidates[-1])} was left off the {name}",
        ]
        return {
            "slate": key,
            "name": name,
            "backed_by": [backer],
            "members": on,
            "left_off": [candidates[-1]],
        }

    def _vote(self) -> None:
        rng = self.rng
        party = rng.choice(self.parties)
        body = rng.choice(
            (party["nec"], party["nec"], party["conference"], rng.choice(self.factions))
        )
        year = rng.randint(2012, 2023)
        date = _day(rng, year, "day")
        motion = rng.choice(MOTIONS)
        body_name = self.name(body)
        fields: dict[str, Any] = {
            "motion": motion[0].upper() + motion[1:],
            "body": body,
            "date": date.text,
        }
        quotes = [f"the {body_name} met {date.when} to consider a motion to {motion}"]
        if rng.random() < 0.65:
            yes, no = rng.randint(3, 40), rng.randint(0, 40)
            if yes == no:
                yes += 1
            abstain = rng.randint(0, 5)
            result = "pass" if yes > no else "fail"
            fields.update({"yes": yes, "no": no, "abstain": abstain, "result": result})
            verb = "carried" if result == "pass" else "defeated"
            quotes.append(
                f"the motion was {verb} by {yes} votes to {no}, with {abstain} abstentions"
            )
        elif rng.random() < 0.5:
            fields["result"] = rng.choice(("pass", "fail"))
            verb = "carried" if fields["result"] == "pass" else "defeated"
            quotes.append(f"the motion to {motion} was {verb}")
        fields["method"] = rng.choice(("show of hands", "card vote", "online ballot of members"))
        voters: list[dict[str, Any]] = []
        named: list[str] = []
        for _ in range(rng.choice((0, 0, 1, 2, 3, 5))):
            person = self._member(party)
            if person not in named:
                named.append(person)
                voters.append(
                    {"voter": person, "option": rng.choice(("yes", "yes", "no", "abstain"))}
                )
        if voters:
            fields["voters"] = voters
            how = {"yes": "for", "no": "against", "abstain": "to abstain"}
            quotes.append(
                ", ".join(f"{self.name(v['voter'])} voted {how[v['option']]}" for v in voters)
            )
        if rng.random() < 0.5:
            proposer = self._member(party)
            fields["proposer"] = proposer
            quotes.append(f"the motion, proposed by {self.name(proposer)}")
            named.append(proposer)
        wanted = f"{body}-vote-{date.text}-{slug(motion, 40)}"
        self._fact("votes", wanted, fields, quotes, year, (body, *named))

    def _action(
        self,
        kind: str,
        subject: str,
        by: str,
        date: Day,
        extra: dict[str, Any],
        follows: Fact | None = None,
    ) -> Fact:
        name = self.name(subject)
        fields: dict[str, Any] = {"kind": kind, "subject": subject, "by": by, "date": date.text}
        fields.update(extra)
        if follows is not None:
            fields["follows"] = follows.id
        by_name = self.name(by)
        quotes = {
            "suspension": [
                f"{name} was suspended by the {by_name} {date.when}",
                f"{name} has been suspended pending an investigation",
            ],
            "investigation": [
                f"the {by_name} opened an investigation into {name}",
                f"{name} is under investigation",
            ],
            "readmission": [
                f"{name} was readmitted {date.when}",
                f"the suspension of {name} was lifted",
            ],
            "expulsion": [
                f"{name} was expelled {date.when}",
                f"the {by_name} voted to expel {name}",
            ],
            "removal-from-post": [f"{name} was removed from post {date.when}"],
            "warning": [f"{name} was given a formal warning"],
        }[kind]
        if "allegation" in extra:
            quotes.append(f"{name} was accused of {extra['allegation']}")
        return self._fact(
            "disciplinary_actions",
            f"{subject}-{kind}-{date.year}",
            fields,
            quotes,
            date.year,
            (subject, by),
        )

    def _chain(self) -> None:
        rng = self.rng
        party = rng.choice(self.parties)
        subject = rng.choice(party["branches"]) if rng.random() < 0.1 else self._member(party)
        year = rng.randint(2014, 2021)
        first = _day(rng, year, rng.choice(("month", "day")))
        extra: dict[str, Any] = {"allegation": rng.choice(ALLEGATIONS)}
        if rng.random() < 0.5:
            extra["rule"] = rng.choice(RULES)
        ends = rng.random()
        extra["status"] = "ongoing" if ends < 0.3 else "concluded"
        suspension = self._action(
            "suspension", subject, rng.choice((party["id"], party["nec"])), first, extra
        )
        previous = suspension
        if rng.random() < 0.4:
            when = _day(rng, year + 1, "month")
            previous = self._action(
                "investigation", subject, party["panel"], when, {"status": "concluded"}, previous
            )
        if ends < 0.3:
            return
        when = _day(rng, year + rng.randint(2, 3), rng.choice(("year", "month")))
        if ends < 0.7:
            self._action(
                "readmission",
                subject,
                party["nec"],
                when,
                {"status": "concluded", "outcome": "Readmitted after a campaign."},
                suspension,
            )
        else:
            self._action(
                "expulsion", subject, party["nec"], when, {"status": "concluded"}, previous
            )

    def _change(self) -> None:
        rng = self.rng
        party = rng.choice(self.parties)
        year = rng.randint(2010, 2023)
        date = _day(rng, year, rng.choice(("year", "month", "month", "day")))
        kind = rng.choice(
            (
                "founded",
                "structures-abolished",
                "affiliated",
                "withdrew",
                "restructured",
                "closed-down",
            )
        )
        fields: dict[str, Any] = {"kind": kind}
        people = [self._member(party) for _ in range(rng.randint(1, 2))]
        people = list(dict.fromkeys(people))
        if kind == "founded":
            org = rng.choice(self.factions)
            fields.update(organisation=org, by=people)
            text = f"{self.name(org)} was founded {date.when}"
        elif kind in {"structures-abolished", "restructured"}:
            org = party["id"]
            affected = rng.sample(party["branches"], k=min(2, len(party["branches"])))
            fields.update(organisation=org, affected=affected, by=people)
            text = (
                f"the {self.name(org)} {'abolished' if kind[0] == 's' else 'reorganised'} "
                f"the {self.name(affected[0])} {date.when}"
            )
        elif kind in {"affiliated", "withdrew"}:
            org = rng.choice(self.unions + self.factions)
            fields.update(organisation=org, counterpart=party["id"])
            verb = "affiliated to" if kind == "affiliated" else "withdrew from"
            text = f"{self.name(org)} {verb} the {self.name(party['id'])} {date.when}"
        else:
            org = party["youth"]
            fields.update(organisation=org, by=[party["nec"]])
            text = f"the NEC closed down {self.name(org)} {date.when}"
        fields["date"] = date.text
        fields["description"] = text[0].upper() + text[1:] + "."
        quotes = [text, f"{self.name(org)} has not been the same since {date.words}"]
        entities = [org, *people, *fields.get("affected", []), fields.get("counterpart", org)]
        self._fact("organisational_changes", f"{org}-{kind}-{year}", fields, quotes, year, entities)


# --------------------------------------------------------------------------- documents


class _Text:
    """A source text being written, which hands out the code-point span of every quote."""

    def __init__(self, rng: random.Random) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.rng = rng
        self.in_paragraph = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def sentence(self, core: str, filler: Sequence[str] = ()) -> dict[str, Any]:
        """Write ``core`` as a sentence (maybe after filler) and return its evidence."""
        rng = self.rng
        if filler and rng.random() < 0.5:
            self.add(rng.choice(filler) + " ")
        lead = rng.choice(("", "", "", "Meanwhile, "))
        core = core if not core[0].islower() or lead else core[0].upper() + core[1:]
        if len(core) > 300:  # kg's limit for a quote: cut at a word
            core = core[:300].rsplit(" ", 1)[0]
        self.add(lead)
        start = self.length
        self.add(core)
        self.add(".")
        self.in_paragraph += 1
        if self.in_paragraph >= rng.randint(2, 4):
            self.add("\n\n")
            self.in_paragraph = 0
        else:
            self.add(" ")
        return {"quote": core, "start": start, "end": start + len(core)}

    def paragraph(self) -> None:
        """End the paragraph being written, if any, so what follows starts a new one."""
        if self.in_paragraph:
            self.add("\n\n")
            self.in_paragraph = 0

    def line(self, content: str) -> dict[str, Any]:
        """Write ``content`` as a line of its own (a message header) and return its evidence."""
        start = self.length
        self.add(content + "\n")
        return {"quote": content, "start": start, "end": start + len(content)}

    def text(self) -> str:
        body = "".join(self.parts)
        return body if body.endswith("\n") else body + "\n"


@dataclass(slots=True)
class _Mention:
    fact: Fact
    state: bool
    """True: the document states the fact; False: it lists it under corroborates."""


class Generator:
    """Turns a :class:`World` into files: the registry and one document file per source."""

    def __init__(self, documents: int, seed: int, violations: int) -> None:
        if violations > len(VIOLATION_KINDS):
            raise ValueError(
                f"at most {len(VIOLATION_KINDS)} violations (one per kind: "
                f"{', '.join(VIOLATION_KINDS)})"
            )
        if documents < 1:
            raise ValueError("at least one document")
        self.n = documents
        self.seed = seed
        self.world = World(documents, seed)
        self.mentions: list[list[_Mention]] = [[] for _ in range(documents)]
        self.extra: dict[int, list[Fact]] = {}
        self.violations: list[Violation] = []
        self.width = max(3, len(str(documents - 1)))
        self._assign()
        self._inject(violations)

    def _assign(self) -> None:
        """Each fact is reported by 1-6 documents near each other: one states it, others
        restate it (same fields) or corroborate it (only their evidence)."""
        rng = random.Random(f"{self.seed}:assign")
        for fact in self.world.facts:
            home = rng.randrange(self.n)
            count = min(self.n, rng.choices((1, 2, 3, 4, 6), (25, 30, 22, 13, 10))[0])
            reporters = [home]
            while len(reporters) < count:
                other = (home + rng.randint(1, 40)) % self.n
                if other not in reporters:
                    reporters.append(other)
            for position, doc in enumerate(reporters):
                state = position == 0 or rng.random() < 0.4
                self.mentions[doc].append(_Mention(fact, state))

    # ----------------------------------------------------------------- violations

    def _inject(self, count: int) -> None:
        """Add records that load and cross-check but each break one SHACL rule. Each is stated
        once, in the document chosen for it, so the rest of the corpus is unchanged."""
        world = self.world
        rng = random.Random(f"{self.seed}:violations")
        placed: list[tuple[str, str, str, int, str]] = []
        for index, kind in enumerate(VIOLATION_KINDS[:count]):
            doc = (index + 1) * self.n // (count + 1) % self.n
            facts: list[Fact] = []
            party = world.parties[index % len(world.parties)]
            a, b = rng.sample(world.politicians, 2)
            focus, shape, record = "", "", ""
            if kind == "winner-not-candidate":
                post = party["posts"]["treasurer"]
                candidates = [p for p in party["members"][:2] if p != b] or [a]
                fact = world._fact(
                    "elections",
                    f"{post}-election-2024",
                    {
                        "name": f"2024 {world.name(party['id'])} treasurer election",
                        "post": post,
                        "date": "2024-02",
                        "candidacies": [{"candidate": c, "status": "defeated"} for c in candidates],
                        "winner": b,
                    },
                    [f"{world.name(b)} was declared treasurer in February 2024"],
                    2024,
                    (post, b),
                    {c: [f"{world.name(c)} lost the treasurer contest"] for c in candidates},
                )
                facts.append(fact)
                focus, shape, record = f"election/{fact.id}", "WinnerIsCandidate", fact.id
            elif kind == "tenure-ends-before-start":
                org = world.factions[0]
                fact = world._fact(
                    "roles",
                    f"{a}-treasurer-{org}",
                    {
                        "person": a,
                        "organisation": org,
                        "role": "treasurer",
                        "start": "2019-05",
                        "end": "2017-11",
                        "status": "former",
                    },
                    [
                        f"{world.name(a)} was treasurer of {world.name(org)} from May 2019 to "
                        "November 2017"
                    ],
                    2019,
                    (a, org),
                )
                facts.append(fact)
                focus, shape, record = f"tenure/{fact.id}", "TenureEndNotBeforeStart", fact.id
            elif kind in {"readmission-follows-other-subject", "readmission-follows-non-exclusion"}:
                first_kind = "suspension" if kind.endswith("subject") else "investigation"
                earlier = world._action(first_kind, a, party["id"], Day(2016, 3), {})
                subject = b if kind.endswith("subject") else a
                later = world._action(
                    "readmission", subject, party["nec"], Day(2018, 6), {}, earlier
                )
                facts += [earlier, later]
                focus, shape, record = f"action/{later.id}", "ReadmissionFollowsExclusion", later.id
            elif kind == "action-follows-later-action":
                earlier = world._action("suspension", a, party["id"], Day(2021, 6), {})
                later = world._action("expulsion", a, party["nec"], Day(2020, 2), {}, earlier)
                facts += [earlier, later]
                focus, shape, record = f"action/{later.id}", "ActionFollowsEarlierAction", later.id
            elif kind == "organisation-unit-of-itself":
                org = world._org(f"{world.name(party['id'])} Renewal Network", "party-unit")
                world.orgs[-1]["parent"] = org
                focus, shape, record = f"organisation/{org}", "NoCircularStructure", org
            elif kind == "readmission-follows-itself":
                fact = world._action("readmission", a, party["nec"], Day(2019, 9), {})
                fact.fields["follows"] = fact.id  # a copy-pasted id
                facts.append(fact)
                focus, shape, record = f"action/{fact.id}", "ReadmissionFollowsExclusion", fact.id
            for fact in facts:
                world.facts.remove(fact)  # stated only where injected, never shared
                self.mentions[doc].append(_Mention(fact, True))
            placed.append((kind, focus, shape, doc, record))
        for kind, focus, shape, doc, record in placed:  # file names are known once all is placed
            file = REGISTRY if kind == "organisation-unit-of-itself" else self.file_name(doc)
            self.violations.append(Violation(kind, BASE + focus, SHAPES + shape, file, record))

    # ----------------------------------------------------------------- files

    def file_name(self, index: int) -> str:
        return f"{index:0{self.width}d}_{self._slug(index)}.yaml"

    def _slug(self, index: int) -> str:
        """The slug of the document's title (its first fact's first quote), as in the seeds."""
        mentions = self.mentions[index]
        return slug(mentions[0].fact.quotes[0], 40) if mentions else "party-notes"

    def registry(self) -> str:
        world = self.world
        data = {
            "people": sorted(world.people, key=lambda r: r["id"]),
            "organisations": sorted(world.orgs, key=lambda r: r["id"]),
            "posts": sorted(world.posts, key=lambda r: r["id"]),
        }
        comment = (
            "The registry of a synthetic corpus (bench/synth.py): every person, organisation\n"
            f"and post, with ids global to the corpus. {self.n} documents, seed {self.seed}."
        )
        return to_yaml(data, comment)

    def document(self, index: int) -> tuple[str, str, str]:
        """(document file text, source file name, source text) of document ``index``."""
        world = self.world
        rng = random.Random(f"{self.seed}:doc:{index}")
        mentions = self.mentions[index]
        text = _Text(rng)
        kind = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
        lead = mentions[0].fact if mentions else None
        latest = max((m.fact.year for m in mentions), default=2018)
        published = Day(
            min(2024, latest + rng.randint(0, 1)), rng.randint(1, 12), rng.randint(1, 28)
        )
        if lead is not None and lead.quotes:
            headline = lead.quotes[0]
            title = headline[0].upper() + headline[1:]
        else:
            title = f"Party notes, {published.words}"
        title = title[:150]
        source_id = f"{slug(title, 60) or 'source'}-{index}"
        if kind == "statement":
            publisher = rng.choice(world.parties)["id"]
            authors = [publisher]
        else:
            authors = [rng.choice(world.journalists)]
            if rng.random() < 0.2:
                second = rng.choice(world.journalists)
                if second != authors[0]:
                    authors.append(second)
            publisher = world.home[authors[0]]["outlet"]
        text.add(f"{title}\n\n")
        byline = " and ".join(world.name(a) for a in authors)
        field_evidence = self._source_evidence(text, title, byline, published, publisher)
        articles: list[dict[str, Any]] = []
        article_start = 0
        splits = set()
        if kind == "archive-page" and len(mentions) >= 4:
            splits = {len(mentions) // 3, 2 * len(mentions) // 3}
        headings = [self._heading(0, text, authors, published)] if splits else []
        sections: dict[str, list[dict[str, Any]]] = {
            "messages": [],
            "unnamed_agents": [],
            "events": [],
            "names": [],
            "roles": [],
            "elections": [],
            "votes": [],
            "disciplinary_actions": [],
            "organisational_changes": [],
            "compositions": [],
            "claims": [],
            "corroborates": [],
        }
        entities: list[str] = []
        for position, mention in enumerate(mentions):
            if position in splits:
                articles.append(
                    self._article(source_id, len(articles), text, article_start, authors, headings)
                )
                text.add("\n")
                article_start = text.length
                headings.append(self._heading(len(articles), text, authors, published))
            fact = mention.fact
            chosen = rng.sample(fact.quotes, k=min(len(fact.quotes), rng.choice((1, 1, 2))))
            evidence = [text.sentence(q, FILLERS) for q in chosen]
            if mention.state:
                record = dict(fact.fields)
                if fact.parts:
                    record["candidacies"] = [
                        {**c, "evidence": [text.sentence(rng.choice(fact.parts[c["candidate"]]))]}
                        for c in record["candidacies"]
                    ]
                if "slates" in record:
                    record["slates"] = [
                        {**s, "evidence": [text.sentence(rng.choice(fact.parts[s["slate"]]))]}
                        for s in record["slates"]
                    ]
                record["evidence"] = evidence
                sections[fact.section].append(record)
            else:
                sections["corroborates"].append({"fact": fact.id, "evidence": evidence})
            entities += [e for e in fact.entities if e in world.names]
            entities.append(fact.id)
        speakers = [e for e in dict.fromkeys(entities) if e in world.home] or world.politicians[:3]
        topics = list(dict.fromkeys(entities)) or [world.parties[0]["id"]]
        for number in range(rng.randint(5, 12)):
            sections["claims"].append(
                self._claim(source_id, number, rng, text, speakers, topics, published)
            )
        self._extras(index, source_id, text, speakers, published, sections)
        if splits:
            articles.append(
                self._article(source_id, len(articles), text, article_start, authors, headings)
            )
        body = text.text()
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        source_file = f"{index:0{self.width}d}_{digest[:16]}.txt"
        source: dict[str, Any] = {
            "id": source_id,
            "file": source_file,
            "sha256": digest,
            "title": title,
            "kind": kind,
            "publisher": publisher,
            "authors": authors,
            "published": published.text,
        }
        if kind != "statement" and rng.random() < 0.7:
            source["url"] = (
                f"https://{slug(world.name(publisher))}.example/{published.year}/{source_id}"
            )
        if articles:
            source["articles"] = articles
        source["field_evidence"] = field_evidence
        data: dict[str, Any] = {"source": source}
        data.update({key: items for key, items in sections.items() if items})
        comment = (
            f"Extraction of synthetic source {index} (bench/synth.py, seed {self.seed}): "
            f"{kind}, {published.words}."
        )
        return to_yaml(data, comment), source_file, body

    def _source_evidence(
        self, text: _Text, title: str, byline: str, published: Day, publisher: str
    ) -> dict[str, list[dict[str, Any]]]:
        """The title and byline written at the top of the text, and a publisher line, as
        the field evidence of the source's metadata (offsets of what was just written)."""
        evidence: dict[str, list[dict[str, Any]]] = {
            "title": [{"quote": title, "start": 0, "end": len(title)}]
        }
        start = text.length
        line = f"By {byline}, {published.words}"
        text.add(line + "\n\n")
        evidence["authors"] = [
            {"quote": f"By {byline}", "start": start, "end": start + 3 + len(byline)}
        ]
        at = start + len(line) - len(published.words)
        evidence["published"] = (
            [{"quote": published.words, "start": at, "end": at + len(published.words)}]
            if len(published.words) >= 3
            else []
        )
        evidence["publisher"] = [text.sentence(f"First published by {self.world.name(publisher)}")]
        return {key: quotes for key, quotes in evidence.items() if quotes}

    def _extras(
        self,
        index: int,
        source_id: str,
        text: _Text,
        speakers: list[str],
        published: Day,
        sections: dict[str, list[dict[str, Any]]],
    ) -> None:
        """The newer kinds of record, per document (never restated elsewhere): a reproduced
        message, an unnamed agent some claim rests on, an event claims took place at, a name
        statement, a composition of a body; and claims marked contested or attributed."""
        world = self.world
        rng = random.Random(f"{self.seed}:extras:{index}")
        people = [s for s in speakers if s in world.politicians] or world.politicians[:3]
        speaker = rng.choice(people)
        party = world.home[speaker].get("party") or world.parties[0]
        nec = party["nec"]
        claims = sections["claims"]
        # every kind at its rate, and one in turn in every document: small corpora have all
        turn = ("message", "agent", "certainty", "event", "name", "composition")[index % 6]
        if turn == "message" or rng.random() < 0.25:
            sections["messages"].append(
                self._message(source_id, rng, text, speaker, nec, published)
            )
        if turn == "agent" or rng.random() < 0.35:
            agent = self._unnamed_agent(source_id, rng, text, party, people)
            sections["unnamed_agents"].append(agent)
            certainty = "hearsay" if agent["kind"] == "sources" else "anonymous"
            claims[-1] |= {"certainty": certainty, "according_to": [agent["id"]]}
        if (turn == "certainty" or rng.random() < 0.3) and len(claims) > 1:
            claims[0] |= {
                "certainty": rng.choice(("attributed", "contested")),
                "according_to": [speaker],
            }
        if turn == "event" or rng.random() < 0.35:
            event = self._event(source_id, rng, text, party, people, published)
            sections["events"].append(event)
            for claim in claims[1 : 1 + rng.randint(1, 2)]:
                claim["at_event"] = event["id"]  # dated (if at all) on the event's day
        if turn == "name" or rng.random() < 0.3:
            sections["names"].append(self._name(source_id, rng, text, party))
        if turn == "composition" or rng.random() < 0.12:
            sections["compositions"].append(self._composition(source_id, rng, text, nec, published))

    def _message(
        self, source_id: str, rng: random.Random, text: _Text, sender: str, to: str, published: Day
    ) -> dict[str, Any]:
        world = self.world
        kind = rng.choice(("email", "letter", "statement"))
        sent = Day(
            published.year, published.month or 1, max(1, (published.day or 28) - rng.randint(0, 9))
        )
        subject = rng.choice(MOTIONS).strip()
        lines = {
            "sender": f"From: {world.name(sender)}",
            "to": f"To: {world.name(to)}",
            "sent": f"Sent: {sent.words}",
            "subject": f"Subject: {subject}",
        }
        text.paragraph()
        evidence = {field: [text.line(line)] for field, line in lines.items()}
        text.add("\n")
        message: dict[str, Any] = {
            "id": f"{source_id}-{kind}",
            "kind": kind,
            "sender": sender,
            "to": [to],
            "sent": sent.text,
            "subject": subject,
            "field_evidence": evidence,
        }
        return message

    def _unnamed_agent(
        self,
        source_id: str,
        rng: random.Random,
        text: _Text,
        party: dict[str, Any],
        people: list[str],
    ) -> dict[str, Any]:
        world = self.world
        party_name = world.name(party["id"])
        kind, description, words = rng.choice(
            (
                ("commenter", "A reader commenting under the article.", "one reader commented"),
                (
                    "sources",
                    f"Unnamed sources close to the {party_name}.",
                    f"sources close to the {party_name} said",
                ),
                (
                    "critics",
                    f"Critics of the {party_name} leadership.",
                    f"critics of the {party_name} leadership said",
                ),
                (
                    "anonymous-person",
                    "A party official who asked not to be named.",
                    "a party official who asked not to be named said",
                ),
                (
                    "unnamed-group",
                    f"A group of {party_name} members.",
                    f"a group of {party_name} members wrote",
                ),
            )
        )
        agent: dict[str, Any] = {
            "id": f"{source_id}-{kind}",
            "kind": kind,
            "description": description,
        }
        if kind == "unnamed-group":
            agent["members"] = sorted(rng.sample(people, k=min(len(people), 2)))
        agent["evidence"] = [text.sentence(words, FILLERS)]
        return agent

    def _event(
        self,
        source_id: str,
        rng: random.Random,
        text: _Text,
        party: dict[str, Any],
        people: list[str],
        published: Day,
    ) -> dict[str, Any]:
        world = self.world
        kind = rng.choice(("meeting", "conference", "rally", "hustings", "online-meeting"))
        if kind == "meeting":
            name = f"Meeting of the {world.name(party['nec'])}, {published.words}"
        else:
            name = f"{world.name(party['id'])} {kind.replace('-', ' ')}, {published.words}"
        event: dict[str, Any] = {"id": f"{source_id}-event", "name": name, "kind": kind}
        if kind == "meeting":
            event["body"] = party["nec"]
        else:
            event["organiser"] = [party["id"]]
        event["date"] = published.text
        event["participants"] = sorted(rng.sample(people, k=min(len(people), rng.randint(1, 3))))
        quotes = [f"the {name[0].lower()}{name[1:]}"]
        if rng.random() < 0.5:
            attendance = rng.randint(20, 2_000)
            event["attendance"] = attendance
            quotes.append(f"{attendance:,} people attended")
        if kind == "online-meeting":
            event["online"] = True
        elif rng.random() < 0.5:
            event["place"] = rng.choice(PLACES)
            quotes.append(f"the meeting in {event['place']}")
        if rng.random() < 0.4:
            event["agenda"] = [rng.choice(MOTIONS).strip()]
        event["evidence"] = [text.sentence(q, FILLERS) for q in quotes]
        return event

    def _name(
        self, source_id: str, rng: random.Random, text: _Text, party: dict[str, Any]
    ) -> dict[str, Any]:
        full = self.world.name(party["id"])
        initials = "".join(w[0] for w in full.split() if w[0].isupper())
        if len(initials) >= 2 and rng.random() < 0.6:
            name, kind, quote = initials, "acronym", f"the {full} ({initials})"
        else:
            name = f"the oldest party in {full.split()[0]}"
            kind, quote = "description", f"the {full}, {name}"
        return {
            "id": f"{source_id}-name-{slug(name, 40)}",
            "entity": party["id"],
            "name": name,
            "kind": kind,
            "evidence": [text.sentence(quote, FILLERS)],
        }

    def _composition(
        self, source_id: str, rng: random.Random, text: _Text, body: str, published: Day
    ) -> dict[str, Any]:
        world = self.world
        holders: list[dict[str, Any]] = []
        for faction in rng.sample(world.factions, k=min(len(world.factions), rng.randint(2, 3))):
            seats = rng.randint(2, 8)
            quote = f"{world.name(faction)} holds {seats} seats on the {world.name(body)}"
            holders.append({"holder": faction, "seats": seats, "evidence": [text.sentence(quote)]})
        total = sum(h["seats"] for h in holders) + rng.randint(0, 12)
        return {
            "id": f"{source_id}-composition",
            "body": body,
            "date": published.text,
            "seats": total,
            "holders": holders,
            "evidence": [text.sentence(f"the {world.name(body)} has {total} seats")],
        }

    def _heading(
        self, number: int, text: _Text, authors: list[str], published: Day
    ) -> dict[str, Any]:
        """An article's heading line ('Part 2. By A and B, 3 May 2019') written to the text:
        its metadata, and the field evidence quoting it."""
        people = [a for a in authors if a in self.world.home]
        text.paragraph()
        title = f"Part {number + 1}"
        record: dict[str, Any] = {"title": title}
        evidence = {"title": [text.line(title)]}
        if people:
            record["authors"] = people
            evidence["authors"] = [
                text.line("By " + " and ".join(self.world.name(p) for p in people))
            ]
        record["published"] = published.text
        evidence["published"] = [text.line(published.words)]
        text.add("\n")
        return {**record, "field_evidence": evidence}

    def _article(
        self,
        source_id: str,
        number: int,
        text: _Text,
        start: int,
        authors: list[str],
        headings: list[dict[str, Any]],
    ) -> dict[str, Any]:
        heading = dict(headings[number])
        evidence = heading.pop("field_evidence")
        article: dict[str, Any] = {"id": f"{source_id}-part-{number + 1}", **heading}
        article.update(start=start, end=text.length, field_evidence=evidence)
        return article

    def _claim(
        self,
        source_id: str,
        number: int,
        rng: random.Random,
        text: _Text,
        speakers: list[str],
        topics: list[str],
        published: Day,
    ) -> dict[str, Any]:
        world = self.world
        template = rng.randrange(len(STATEMENTS))
        speaker = rng.choice(speakers)
        person = rng.choice(world.politicians)
        party = world.home[person].get("party") or world.parties[0]
        org = party["id"]
        statement = STATEMENTS[template].format(
            org=world.name(org),
            post=world.name(party["posts"]["gensec"]).split(" of ")[0],
            person=world.name(person),
            body=world.name(party["nec"]),
        )
        core = statement[0].upper() + statement[1:]
        said = f"“{core},” said {world.name(speaker)}"
        evidence = [text.sentence(said, FILLERS)]
        if rng.random() < 0.45:
            evidence.append(text.sentence(f"{world.name(speaker)} went further", FILLERS))
        stance = rng.choice(STANCES)
        about = rng.sample(topics, k=min(len(topics), rng.randint(1, 2)))
        about.append(person if "{person}" in STATEMENTS[template] else org)
        about = list(dict.fromkeys(about))
        claim: dict[str, Any] = {
            "id": f"{source_id}-claim-{CLAIM_SLUGS[template]}-{number + 1}",
            "text": f"{world.name(speaker)} {stance} that {statement}.",
            "by": [speaker],
        }
        if stance in ATTITUDES:
            claim["attitude"] = stance
        else:  # a stance towards what the claim is about, put forward as an assertion
            claim |= {"attitude": "asserts", "stance": stance, "towards": about[:1]}
        claim["about"] = about
        if rng.random() < 0.5:
            claim["date"] = published.text
        claim["evidence"] = evidence
        return claim


# --------------------------------------------------------------------------- API


@dataclass(frozen=True, slots=True)
class Summary:
    """What :func:`generate` wrote."""

    out: Path
    documents: int
    seed: int
    mentions: int
    """Facts stated or corroborated, over all documents (claims not counted)."""
    violations: tuple[Violation, ...]
    sources: Path | None


def documents_for(triples: int) -> int:
    """Documents to generate for about ``triples`` triples: interpolated in :data:`CALIBRATION`."""
    points = CALIBRATION
    for (n0, t0), (n1, t1) in itertools.pairwise(points):
        if triples <= t1 or (n1, t1) == points[-1]:
            return max(1, round(n0 + (triples - t0) * (n1 - n0) / (t1 - t0)))
    raise AssertionError("unreachable")


def _prepare(out: Path) -> None:
    """An empty directory, or a previous corpus of ours (cleared): never someone's seeds."""
    if out.exists() and any(p for p in out.iterdir() if not p.name.startswith(".")):
        if not (out / MANIFEST).is_file():
            raise FileExistsError(f"{out} is not empty and was not written by bench/synth.py")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def generate(
    out: Path | str,
    documents: int,
    *,
    seed: int = 0,
    violations: int = 0,
    sources: Path | str | None = None,
) -> Summary:
    """Write a synthetic corpus (registry, document files, manifest) and maybe its sources."""
    out_dir = Path(out)
    generator = Generator(documents, seed, violations)
    _prepare(out_dir)
    source_dir = Path(sources) if sources is not None else None
    if source_dir is not None:
        source_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / REGISTRY).write_text(generator.registry(), encoding="utf-8")
    for index in range(documents):
        document, source_file, body = generator.document(index)
        (out_dir / generator.file_name(index)).write_text(document, encoding="utf-8")
        if source_dir is not None:
            (source_dir / source_file).write_bytes(body.encode("utf-8"))
    manifest = {
        "generator": "bench/synth.py",
        "documents": documents,
        "seed": seed,
        "violations": [asdict(v) for v in generator.violations],
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    facts = sum(len(mentions) for mentions in generator.mentions)
    return Summary(out_dir, documents, seed, facts, tuple(generator.violations), source_dir)


def read_manifest(out: Path | str) -> list[Violation]:
    """The injected violations recorded in a generated corpus."""
    data = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    return [Violation(**item) for item in data["violations"]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, help="number of document files")
    parser.add_argument("--triples", type=int, help="or: about this many triples")
    parser.add_argument("--out", type=Path, required=True, help="directory for the extractions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--violations",
        type=int,
        default=0,
        help=f"inject K SHACL violations of distinct kinds (K <= {len(VIOLATION_KINDS)})",
    )
    parser.add_argument("--sources", type=Path, help="also write the source texts here")
    args = parser.parse_args(argv)
    if (args.documents is None) == (args.triples is None):
        parser.error("give --documents or --triples")
    documents = args.documents if args.documents is not None else documents_for(args.triples)
    try:
        summary = generate(
            args.out, documents, seed=args.seed, violations=args.violations, sources=args.sources
        )
    except (ValueError, FileExistsError) as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    print(
        f"synth: wrote {summary.documents} documents and {REGISTRY} to {summary.out}"
        + (f", source texts to {summary.sources}" if summary.sources else "")
        + f"; {len(summary.violations)} violations in {summary.out / MANIFEST}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
