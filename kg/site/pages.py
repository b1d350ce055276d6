"""The pages of the report, as bytes by relative path. Every entity page sits one
directory down (``person/x.html``), list pages under ``lists/``, the overview at the top,
so one rendered fact card (with ``../`` links) fits every page it appears on."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from kg.graphview import Lit, iter_classes, local_name
from kg.iris import (
    DCTERMS_creator,
    DCTERMS_hasPart,
    DCTERMS_issued,
    DCTERMS_title,
    KG_candidacy,
    KG_candidacyStatus,
    KG_candidate,
    KG_endorsedBy,
    KG_Tenure,
    KG_votesReceived,
    OPENGOV_option,
    OPENGOV_result,
    OPENGOV_vote,
    OPENGOV_voter,
    ORG_postIn,
    ORG_subOrganizationOf,
    PROV_wasDerivedFrom,
    SKOS_altLabel,
    SKOS_prefLabel,
)
from kg.namespaces import KG
from kg.site import timeline
from kg.site.facts import (
    HIDDEN,
    Mention,
    fact_class,
    fact_date,
    humanise,
    is_fact,
    mentions,
    page_of,
    section_of,
    section_order,
    sort_key,
    value_text,
)
from kg.site.html import esc, items, page
from kg.site.render import (
    ELECTIONS,
    ORGS,
    PEOPLE,
    POSTS,
    SOURCES,
    VOTES,
    Site,
)

_S = str
INDEX_SOURCES = 25
"""Sources listed on the overview (the earliest first); lists/sources.html has them all."""
INDEX_NETWORK = (24, 48)
"""Organisations and people (the most linked) in the overview's network picture."""
ORG_NETWORK = 60
"""Neighbours at most in an organisation's network picture."""
LISTS = {
    "people": ("People", PEOPLE),
    "organisations": ("Organisations", ORGS),
    "elections": ("Elections", ELECTIONS),
    "votes": ("Votes", VOTES),
    "sources": ("Sources", SOURCES),
}


# ---------------------------------------------------------------------- pages


def entity_page(site: Site, iri: str) -> bytes:
    """A person, organisation or post: names, timeline, network (organisations) and
    every fact that mentions it."""
    view = site.view
    name = view.label(iri)
    types = view.types(iri)
    kind = "person" if PEOPLE in types else ("post" if POSTS in types else "organisation")
    parts = []
    others = [v.value for v in view.values(iri, SKOS_altLabel) if isinstance(v, Lit)]
    facts_dl = []
    if others:
        facts_dl.append(("also called", esc(", ".join(others))))
    for predicate, values in view.props.get(iri, {}).items():
        if predicate in HIDDEN or predicate in (SKOS_prefLabel, SKOS_altLabel):
            continue
        facts_dl.append((humanise(local_name(predicate)), ", ".join(site.value(v) for v in values)))
    for predicate in (ORG_subOrganizationOf, ORG_postIn):
        below = view.referrers(iri, predicate)
        if below:
            label = "has units" if predicate == ORG_subOrganizationOf else "posts"
            facts_dl.append((label, ", ".join(site.ref(r) for r in below)))
    parts.append(
        f'<p class="kind">{esc(kind)}</p><dl class="about">'
        + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts_dl)
        + "</dl>"
    )
    found = mentions(view, iri)
    if kind == "organisation":  # tenures of the organisation's posts belong to it too
        for post in view.referrers(iri, ORG_postIn):
            found += [m for m in mentions(view, post) if fact_class(view, m.fact) == KG_Tenure]
        found = sorted(set(found), key=lambda m: (sort_key(view, m.fact), m.predicate))
    parts.append(f"<h2>Timeline</h2>{site.timeline_for(iri, found, f'Timeline of {name}')}")
    if kind == "organisation":
        near = {iri}
        for edge in site.incident(iri):
            near.add(edge.b if edge.a == iri else edge.a)
        if len(near) > 1:
            keep = {iri, *sorted(near - {iri})[:ORG_NETWORK]}
            parts.append(
                "<h2>Network</h2>"
                + site.network_picture(
                    keep, 1, f"People and organisations linked to {name}", centre=iri
                )
            )
    parts.append(site.sections(iri, found))
    authored = sorted(r for r in view.referrers(iri, DCTERMS_creator) if not is_fact(view, r))
    if authored:
        parts.append("<h2>Wrote</h2>" + items(site.ref(a) for a in authored))
    return page(name, "".join(parts), 1)


def event_page(site: Site, iri: str) -> bytes:
    """An election or a vote: the fact itself, its candidates or counts, and what else
    mentions it (claims about it ...)."""
    view = site.view
    parts = [site.card(iri)]
    if ELECTIONS in view.types(iri):
        rows = []
        for candidacy in view.iris(iri, KG_candidacy):
            candidate = view.text(candidacy, KG_candidate) or ""
            status = ", ".join(
                value_text(view, v) for v in view.values(candidacy, KG_candidacyStatus)
            )
            votes = view.text(candidacy, KG_votesReceived) or ""
            endorsed = ", ".join(site.ref(e) for e in view.iris(candidacy, KG_endorsedBy))
            rows.append(
                f"<tr><th scope='row'>{site.ref(candidate)}</th><td>{esc(status)}</td>"
                f"<td class='num'>{esc(votes)}</td><td>{endorsed}</td></tr>"
            )
        if rows:
            parts.append(
                "<h2>Candidates</h2><table><caption>Candidacies</caption><thead><tr>"
                "<th scope='col'>candidate</th><th scope='col'>status</th>"
                "<th scope='col'>votes</th><th scope='col'>endorsed by</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
            parts += [site.card(c) for c in view.iris(iri, KG_candidacy)]
    else:
        counts = [
            (label, view.text(iri, _S(predicate)))
            for label, predicate in (
                ("for", KG.votesFor),
                ("against", KG.votesAgainst),
                ("abstaining", KG.abstentions),
                ("ballots cast", KG.ballotsCast),
                ("turnout %", KG.turnoutPercent),
            )
        ]
        result = view.text(iri, OPENGOV_result)
        cells = "".join(
            f"<tr><th scope='row'>{esc(label)}</th><td class='num'>{esc(value)}</td></tr>"
            for label, value in counts
            if value is not None
        )
        parts.append(
            f"<h2>Result</h2><p class='result'>{esc(result or 'not stated')}</p>"
            + (f"<table><caption>Counts</caption><tbody>{cells}</tbody></table>" if cells else "")
        )
        ballots = view.iris(iri, OPENGOV_vote)
        if ballots:
            ballot_rows = "".join(
                f"<tr><th scope='row'>{site.ref(view.text(b, OPENGOV_voter) or '')}</th>"
                f"<td>{esc(view.text(b, OPENGOV_option) or '')}</td></tr>"
                for b in ballots
            )
            parts.append(
                "<h2>Named votes</h2><table><caption>How named members voted</caption><thead>"
                "<tr><th scope='col'>voter</th><th scope='col'>option</th></tr></thead>"
                f"<tbody>{ballot_rows}</tbody></table>"
            )
    found = [m for m in mentions(view, iri) if site.parent(m.fact) != iri]
    parts.append(site.sections(iri, found))
    return page(view.label(iri), "".join(parts), 1)


def source_page(site: Site, iri: str) -> bytes:
    """A source document: what it is, its articles, and every fact it states (with the
    evidence this document gives)."""
    view = site.view
    about = []
    for predicate, values in view.props.get(iri, {}).items():
        if predicate in HIDDEN or predicate == DCTERMS_title:
            continue
        if predicate == DCTERMS_hasPart:
            continue
        about.append((humanise(local_name(predicate)), ", ".join(site.value(v) for v in values)))
    date = view.date(iri, DCTERMS_issued)
    if date:
        about.insert(0, ("published", esc(timeline.date_text(date))))
    parts = [
        "<dl class='about'>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in about) + "</dl>"
    ]
    articles = view.iris(iri, DCTERMS_hasPart)
    if articles:
        entries = []
        for article in articles:
            by = ", ".join(site.ref(a) for a in view.iris(article, DCTERMS_creator))
            when = view.date(article, DCTERMS_issued)
            entries.append(
                f"<strong>{esc(view.label(article))}</strong>"
                + (f" by {by}" if by else "")
                + (f" ({esc(timeline.date_text(when))})" if when else "")
            )
        parts.append("<h2>Articles</h2>" + items(entries))
    stated = [
        Mention(f, PROV_wasDerivedFrom)
        for f in view.referrers(iri, PROV_wasDerivedFrom)
        if is_fact(view, f)
    ]
    stated.sort(key=lambda m: sort_key(view, m.fact))
    parts.append(f"<p>{len(stated)} facts are stated by this source.</p>")
    groups: dict[str, list[str]] = defaultdict(list)
    for mention in stated:
        groups[section_of(view, mention.fact)].append(mention.fact)
    for title in sorted(groups, key=lambda t: (section_order(t), t)):
        facts = groups[title]
        parts.append(
            f'<section class="facts"><h2>{esc(title)} '
            f'<span class="count">({len(facts)})</span></h2>'
            + "".join(site.card(f, only_source=iri) for f in facts)
            + "</section>"
        )
    return page(view.label(iri), "".join(parts), 1)


def list_page(site: Site, key: str) -> bytes:
    title, cls = LISTS[key]
    members = sorted(site.view.instances(cls), key=lambda i: (site.view.label(i).lower(), i))
    entries = []
    for iri in members:
        date = fact_date(site.view, iri)
        extra = f" <span class='when'>{esc(timeline.date_text(date))}</span>" if date else ""
        entries.append(site.ref(iri) + extra)
    body = f"<p>{len(members)} {esc(title.lower())}.</p>" + items(entries, class_="plain")
    return page(title, body, 1)


def index_page(site: Site) -> bytes:
    view = site.view
    counts = "".join(
        f"<tr><th scope='row'>{esc(humanise(local_name(cls)))}</th>"
        f"<td class='num'>{len(members):,}</td></tr>"
        for cls, members in iter_classes(view)
        if cls.startswith(_S(KG)) or cls in (PEOPLE, ORGS, POSTS, VOTES)
    )
    sources = "".join(
        f"<li>{site.ref(s, 0)}"
        + (
            f" <span class='when'>{esc(timeline.date_text(d))}</span>"
            if (d := view.date(s, DCTERMS_issued))
            else ""
        )
        + "</li>"
        for s in sorted(view.instances(SOURCES), key=lambda s: sort_key(view, s))[:INDEX_SOURCES]
    )
    all_sources = len(view.instances(SOURCES))
    if all_sources > INDEX_SOURCES:
        sources += f"<li><a href='lists/sources.html'>all {all_sources:,} sources</a></li>"
    search = (
        '<search><form class="search" role="search" onsubmit="return false">'
        '<label for="q">Search people, organisations and posts</label>'
        '<input id="q" type="search" autocomplete="off" placeholder="a name …" '
        'aria-controls="results" aria-describedby="results-status">'
        '<p id="results-status" class="note" aria-live="polite"></p>'
        '<ul id="results" class="results"></ul></form></search>'
        '<script defer src="search.js"></script>'
    )
    edges, touched = site.edges()
    degree: dict[str, int] = defaultdict(int)
    for edge in edges:
        degree[edge.a] += 1
        degree[edge.b] += 1
    people = sorted((n for n in touched if PEOPLE in view.types(n)), key=lambda n: (-degree[n], n))
    orgs = sorted(
        (n for n in touched if PEOPLE not in view.types(n)), key=lambda n: (-degree[n], n)
    )
    keep = set(orgs[: INDEX_NETWORK[0]]) | set(people[: INDEX_NETWORK[1]])
    picture = site.network_picture(keep, 0, "The most linked people and organisations")
    body = (
        f"<p class='lead'>{view.triples:,} statements from {len(view.instances(SOURCES)):,} "
        "source documents. Every fact on these pages shows the words of the source that "
        "support it.</p>"
        + search
        + "<div class='columns'><section><h2>What the graph holds</h2><table>"
        "<caption>Nodes per class</caption><tbody>"
        + counts
        + "</tbody></table></section><section><h2>Sources</h2><ul>"
        + sources
        + "</ul></section></div>"
        + "<h2>Network</h2>"
        + (
            f"<p class='note'>The {len(keep)} most linked of {len(touched):,} people and "
            "organisations; every organisation page draws its own.</p>"
            if len(keep) < len(touched)
            else ""
        )
        + picture
    )
    return page("Overview", body, 0, heading="kg report")


def search_index(site: Site) -> bytes:
    """search.js: names and other names of people, organisations and posts, for the
    overview's search box (a script, not JSON, so it loads from file:// too)."""
    view = site.view
    rows = []
    for cls, kind in ((PEOPLE, "person"), (ORGS, "organisation"), (POSTS, "post")):
        for iri in view.instances(cls):
            href = site.href(iri, 0)
            if href is None:
                continue
            others = [v.value for v in view.values(iri, SKOS_altLabel) if isinstance(v, Lit)]
            rows.append([view.label(iri), " ".join(others), kind, href])
    rows.sort()
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return f"window.KG_SEARCH = {text};\n".encode()


def all_pages(site: Site) -> Iterator[tuple[Path, bytes]]:
    """Every page, by path relative to the site root, in a fixed order."""
    view = site.view
    yield Path("index.html"), index_page(site)
    yield Path("search.js"), search_index(site)
    for key in LISTS:
        yield Path("lists") / f"{key}.html", list_page(site, key)
    for cls, render in (
        (PEOPLE, entity_page),
        (ORGS, entity_page),
        (POSTS, entity_page),
        (ELECTIONS, event_page),
        (VOTES, event_page),
        (SOURCES, source_page),
    ):
        for iri in view.instances(cls):
            path = page_of(iri)
            if path is not None:
                yield Path(path), render(site, iri)
