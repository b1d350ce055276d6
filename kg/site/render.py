"""What several pages share: links between pages, fact cards with their evidence,
sections of facts (claims by stance, disciplinary chains), and a node's timeline and
network picture. Rendered cards are kept, so a fact shown on many pages is made once."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from kg.graphview import GraphView, Lit, local_name
from kg.iris import (
    FOAF_Person,
    KG_actingAuthority,
    KG_Claim,
    KG_current,
    KG_DisciplinaryAction,
    KG_Election,
    KG_evidence,
    KG_follows,
    KG_post,
    KG_SourceDocument,
    KG_stance,
    KG_subject,
    KG_Tenure,
    KG_tenureStatus,
    OA_hasSource,
    OPENGOV_VoteEvent,
    ORG_member,
    ORG_Organization,
    ORG_organization,
    ORG_Post,
    ORG_postIn,
    ORG_subOrganizationOf,
    PROV_wasAttributedTo,
    PROV_wasDerivedFrom,
    SCHEMA_endDate,
    SCHEMA_startDate,
)
from kg.namespaces import WD
from kg.site import network, timeline
from kg.site.evidence import Sources, render_evidence
from kg.site.facts import (
    HIDDEN,
    Mention,
    fact_class,
    fact_date,
    fact_title,
    humanise,
    page_of,
    parent_of,
    section_of,
    section_order,
    sort_key,
    value_text,
)
from kg.site.html import esc, items, link

_S = str
CARDS_PER_SECTION = 100
"""Fact cards per section of a page; more are listed as links to the source pages,
so a page about a large party stays a page, not a book."""
TIMELINE_ROWS = 80
"""At most this many rows on one timeline (the facts below list everything)."""
PEOPLE, ORGS, POSTS = FOAF_Person, ORG_Organization, ORG_Post
ELECTIONS, VOTES, SOURCES = KG_Election, OPENGOV_VoteEvent, KG_SourceDocument


@dataclass(slots=True)
class Site:
    """Everything needed to render pages, with caches for what several pages share."""

    view: GraphView
    sources: Sources
    extraction_url: str | None = None
    _cards: dict[tuple[str, str | None], str] = field(default_factory=dict)
    _edges: tuple[list[network.Edge], set[str]] | None = None
    _incident: dict[str, list[network.Edge]] = field(default_factory=dict)

    # ------------------------------------------------------------------ links

    def href(self, iri: str, depth: int = 1) -> str | None:
        path = page_of(iri)
        if path is None or iri not in self.view.props:
            return None
        return "../" * depth + path

    def ref(self, iri: str, depth: int = 1) -> str:
        return link(self.href(iri, depth), self.view.label(iri))

    def value(self, value: str | Lit) -> str:
        if isinstance(value, str) and self.href(value):
            return self.ref(value)
        if isinstance(value, str) and value.startswith(_S(WD)):
            return link(value, local_name(value))
        return esc(value_text(self.view, value))

    # ------------------------------------------------------------------ facts

    def parent(self, fact: str) -> str | None:
        return parent_of(self.view, fact)

    def card(self, fact: str, only_source: str | None = None) -> str:
        """A fact: title, date, properties, sources, and every piece of evidence."""
        key = (fact, only_source)
        if key not in self._cards:
            self._cards[key] = self._card(fact, only_source)
        return self._cards[key]

    def _card(self, fact: str, only_source: str | None) -> str:
        view = self.view
        title = fact_title(view, fact)
        href = self.href(fact)
        heading = link(href, title)
        rows = []
        date = fact_date(view, fact)
        start, end = view.date(fact, SCHEMA_startDate), view.date(fact, SCHEMA_endDate)
        if start or end:
            rows.append(("from", timeline.date_text(start)))
            rows.append(("until", timeline.date_text(end)))
        elif date is not None:
            rows.append(("date", timeline.date_text(date)))
        parent = self.parent(fact)
        cells = [(k, esc(v)) for k, v in rows]
        if parent is not None:
            cells.append(("part of", self.ref(parent)))
        for predicate, values in view.props.get(fact, {}).items():
            if predicate in HIDDEN or (parent and values == [parent]):
                continue
            if len(values) == 1 and value_text(view, values[0]) == title:
                continue  # the heading already says it
            if all(isinstance(v, str) and v.startswith(fact + "/") for v in values):
                continue  # parts (candidacies, ballots) are listed on their own
            shown = ", ".join(self.value(v) for v in values)
            cells.append((humanise(local_name(predicate)), shown))
        sources = [self.ref(s) for s in view.iris(fact, PROV_wasDerivedFrom)]
        if sources:
            cells.append(("stated by", ", ".join(sources)))
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in cells)
        evidence = [
            e
            for e in view.iris(fact, KG_evidence)
            if only_source is None or view.text(e, OA_hasSource) == only_source
        ]
        quotes = "".join(
            "<li>"
            + render_evidence(
                view, self.sources, e, self.href(self._source_of(e)), self.extraction_url
            )
            + "</li>"
            for e in evidence
        )
        origin = view.origins.get(fact)
        recorded = ""
        if origin:
            file, _, rest = origin.partition(":")
            line = rest.partition(":")[0]
            target = f"{self.extraction_url}{file}#L{line}" if self.extraction_url else None
            place = link(target, f"{file}:{line}", class_="origin")
            recorded = f'<p class="where">recorded at {place}</p>'
        kind = local_name(fact_class(view, fact))
        return (
            f'<article class="fact k-{esc(kind)}" id="{esc(_anchor(fact))}">'
            f"<h3>{heading}</h3><dl>{dl}</dl>{recorded}"
            f'<section class="evidence" aria-label="Evidence"><h4>Evidence ({len(evidence)})</h4>'
            f'<ol class="quotes">{quotes}</ol></section></article>'
        )

    def _source_of(self, evidence: str) -> str:
        return self.view.text(evidence, OA_hasSource) or ""

    def sections(self, node: str, found: list[Mention]) -> str:
        """The facts that mention a node, grouped into sections (claims by stance,
        disciplinary actions as chains)."""
        groups: dict[str, list[Mention]] = defaultdict(list)
        for mention in found:
            groups[section_of(self.view, mention.fact)].append(mention)
        out = []
        for title in sorted(groups, key=lambda t: (section_order(t), t)):
            group = groups[title]
            facts = list(dict.fromkeys(m.fact for m in group))
            if title == "Claims":
                body = self._claims(group)
            elif title == "Disciplinary actions":
                body = self._chains(facts) + self.cards(facts)
            else:
                body = self.cards(facts)
            out.append(
                f'<section class="facts"><h2>{esc(title)} <span class="count">({len(facts)})</span>'
                f"</h2>{body}</section>"
            )
        return "".join(out)

    def cards(self, facts: list[str]) -> str:
        """Cards for the first :data:`CARDS_PER_SECTION` facts; the rest as a list of
        links to the same cards (with their evidence) on the source pages."""
        shown = "".join(self.card(f) for f in facts[:CARDS_PER_SECTION])
        rest = facts[CARDS_PER_SECTION:]
        if not rest:
            return shown
        entries = []
        for fact in rest:
            date = fact_date(self.view, fact)
            where = ", ".join(
                link(f"{self.href(s)}#{_anchor(fact)}", self.view.label(s))
                for s in self.view.iris(fact, PROV_wasDerivedFrom)
                if self.href(s)
            )
            entries.append(
                esc(fact_title(self.view, fact))
                + (f" <span class='when'>{esc(timeline.date_text(date))}</span>" if date else "")
                + (f" — evidence in {where}" if where else "")
            )
        return (
            shown
            + f"<h3 class='group'>{len(rest)} more, with their evidence on the source pages"
            + f"</h3>{items(entries, class_='more')}"
        )

    def _claims(self, group: list[Mention]) -> str:
        """Claims by the node, then about it, each grouped by stance (how the claim
        relates to what it is about: supports, disputes ...; "no stance" when it takes
        none); a claim that is both (what someone says about themselves) is listed
        once, among theirs."""
        own = {m.fact for m in group if m.predicate == PROV_wasAttributedTo}
        by_relation: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for fact in dict.fromkeys(m.fact for m in group):
            relation = "Claims they make" if fact in own else "Claims about them"
            stance = self.view.text(fact, KG_stance) or "no stance"
            by_relation[relation][humanise(local_name(stance))].append(fact)
        out = []
        for relation in sorted(by_relation, reverse=True):
            out.append(f"<h3 class='group'>{esc(relation)}</h3>")
            for stance in sorted(by_relation[relation]):
                facts = by_relation[relation][stance]
                out.append(
                    f'<details class="stance" open><summary>{esc(stance)} ({len(facts)})</summary>'
                    + self.cards(facts)
                    + "</details>"
                )
        return "".join(out)

    def _chains(self, facts: list[str]) -> str:
        """Disciplinary chains (an action and those that follow it) as arrows."""
        follows = {f: self.view.iris(f, KG_follows) for f in facts}
        followed_by: dict[str, list[str]] = defaultdict(list)
        for fact, earlier in follows.items():
            for e in earlier:
                followed_by[e].append(fact)
        everything = set(facts) | {e for es in follows.values() for e in es}
        roots = sorted(
            (
                f
                for f in everything
                if not any(e in everything for e in self.view.iris(f, KG_follows))
            ),
            key=lambda f: sort_key(self.view, f),
        )
        chains = []
        for root in roots:
            chain, current, seen = [root], root, {root}
            while followed_by.get(current):
                current = sorted(followed_by[current], key=lambda f: sort_key(self.view, f))[0]
                if current in seen:
                    break
                chain.append(current)
                seen.add(current)
            if len(chain) > 1:
                steps = " → ".join(
                    f'<a href="#{esc(_anchor(f))}">{esc(fact_title(self.view, f))}</a>'
                    if f in facts
                    else esc(fact_title(self.view, f))
                    for f in chain
                )
                chains.append(f"<li>{steps}</li>")
        if not chains:
            return ""
        return f'<ol class="chain" aria-label="Disciplinary chains">{"".join(chains)}</ol>'

    # ------------------------------------------------------------------ pictures

    def timeline_for(self, node: str, found: list[Mention], title: str) -> str:
        rows: list[timeline.Item] = []
        for fact in dict.fromkeys(m.fact for m in found):
            cls = fact_class(self.view, fact)
            if cls == KG_Claim:
                continue  # what someone said, not something that happened: listed below
            start = self.view.date(fact, SCHEMA_startDate)
            end = self.view.date(fact, SCHEMA_endDate)
            statuses = set(self.view.values(fact, KG_tenureStatus))
            if cls == KG_Tenure:
                rows.append(
                    timeline.Item(
                        fact_title(self.view, fact),
                        "tenure",
                        start,
                        end,
                        span=True,
                        # current only if every source says so (a later one may not)
                        ongoing=statuses == {KG_current},
                        href=f"#{_anchor(fact)}",
                    )
                )
            else:
                date = fact_date(self.view, fact)
                rows.append(
                    timeline.Item(
                        fact_title(self.view, fact),
                        local_name(cls),
                        date,
                        href=f"#{_anchor(fact)}",
                    )
                )
        placed = [r for r in rows if timeline.placeable(r)]
        shown = placed[:TIMELINE_ROWS]
        svg = timeline.render(shown, title)
        if not svg:
            return '<p class="note">No dated facts to place on a timeline.</p>'
        note = (
            f"{len(shown)} dated facts drawn"
            + (f" (of {len(placed)})" if len(placed) > len(shown) else "")
            + f"; {len(rows) - len(placed)} without a date are listed below only. "
            "Pale bands are the whole span a partial date can mean (a year, a month); "
            "dashed lines are unknown ends; arrows mark ‘before’, ‘after’ and current roles."
        )
        return (
            f'<figure class="timeline-box" data-items="{len(shown)}">{svg}'
            f"<figcaption>{esc(note)}</figcaption></figure>"
        )

    def edges(self) -> tuple[list[network.Edge], set[str]]:
        """People ↔ organisation links of every kind, and every node they touch (made
        once: every organisation page draws from them)."""
        if self._edges is None:
            self._edges = self._all_edges()
            for edge in self._edges[0]:
                self._incident.setdefault(edge.a, []).append(edge)
                self._incident.setdefault(edge.b, []).append(edge)
        return self._edges

    def incident(self, node: str) -> list[network.Edge]:
        """The links that touch a node."""
        self.edges()
        return self._incident.get(node, [])

    def _all_edges(self) -> tuple[list[network.Edge], set[str]]:
        view = self.view
        found: set[tuple[str, str, str]] = set()
        for tenure in view.instances(KG_Tenure):
            member = view.text(tenure, ORG_member)
            post = view.text(tenure, KG_post)
            org = view.text(tenure, ORG_organization) or (
                view.text(post, ORG_postIn) if post else None
            )
            if member and org:
                found.add((member, org, "post" if post else "member"))
        for org in view.instances(ORGS):
            for parent in view.iris(org, ORG_subOrganizationOf):
                found.add((org, parent, "part"))
        for action in view.instances(KG_DisciplinaryAction):
            for actor in view.iris(action, KG_actingAuthority):
                for subject in view.iris(action, KG_subject):
                    found.add((subject, actor, "action"))
        edges = [network.Edge(a, b, kind) for a, b, kind in sorted(found) if a != b]
        return edges, {n for e in edges for n in (e.a, e.b)}

    def node(self, iri: str, depth: int) -> network.Node:
        kind = "person" if PEOPLE in self.view.types(iri) else "organisation"
        return network.Node(iri, self.view.label(iri), kind, self.href(iri, depth))

    def network_picture(
        self, keep: set[str], depth: int, title: str, centre: str | None = None
    ) -> str:
        chosen = sorted(
            {e for n in keep for e in self.incident(n) if e.a in keep and e.b in keep},
            key=lambda e: (e.a, e.b, e.kind),
        )
        nodes = [self.node(n, depth) for n in sorted(keep)]
        nodes.sort(key=lambda n: (n.kind, n.label.lower(), n.key))
        svg = network.render(nodes, chosen, title, centre=centre)
        if not svg:
            return ""
        return (
            f'<figure class="network-box" data-nodes="{len(nodes)}" data-edges="{len(chosen)}">'
            f"{svg}<figcaption>{network.legend()}</figcaption></figure>"
        )


def _anchor(iri: str) -> str:
    """An element id for a fact: its IRI without scheme and host, as a safe token."""
    path = iri.split("://", 1)[-1].partition("/")[2]
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", path)
