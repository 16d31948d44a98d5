"""Parse the Article 28 "Description of Processing" template (English or French text) into typed records.

The parser reads numbered lines, finds the description (its title, "Name of the Service" line and
numbered sections, possibly as "Exhibit A" of a longer service description), then reads each section
as a stream of words that keep their line numbers: rows broken over lines, Yes/No on the next line and
several rows on one line all read the same. Every non-blank line ends up accounted for (it became part
of a record or is a recognised heading) or unrecognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputError
from ..spelling import normalise

#: template section number -> (keywords of its title, normalised, English and French)
SECTION_TITLES: dict[int, tuple[str, ...]] = {
    1: ("processing activities", "activites de traitement"),
    2: ("categories of personal data", "categories de donnees personnelles"),
    3: ("subject matter and duration", "objets et durees"),
    4: ("purposes of processing", "finalites du traitement"),
    5: ("categories of data subject", "categories de personnes concernees"),
    6: ("sub processors", "sous traitants"),
}

#: template item local name -> (section, keyword pattern of the start of its row, English and French)
ITEM_PATTERNS: dict[str, tuple[int, str]] = {
    "op-collection": (1, r"Collect(?:ion|e)\b"),
    "op-recording": (1, r"(?:Recording|Enregistrement)\b"),
    "op-organisation": (1, r"Organi[sz]ation\b"),
    "op-storage": (1, r"(?:Storage|Conservation)\b"),
    "op-modification": (1, r"Modification\b"),
    "op-consultation": (1, r"Consultation\b"),
    "op-transmission": (1, r"Transmission\b"),
    "op-disclosure": (1, r"(?:Disclosure|Divulgation)\b"),
    "op-combination": (1, r"(?:Combination|Combinaison)\b"),
    "op-restriction": (1, r"(?:Restriction|Limitation)\b"),
    "op-deletion": (1, r"(?:Deletion|Effacement)\b"),
    "op-other-use": (1, r"(?:Other use|Autre utilisation)\b"),
    "data-identification": (2, r"(?:Identification data|Donn[ée]es d.identification)"),
    "data-traffic": (2, r"(?:Traffic ?/ ?Connection data|Donn[ée]es de trafic)"),
    "data-location": (2, r"(?:Location data|Donn[ée]es de localisation)"),
    "data-crm": (2, r"(?:CRM data|Customer Relationship Management data|Donn[ée]es Relation Clients?)"),
    "data-financial": (2, r"(?:Financial data|Donn[ée]es financi[èe]res)"),
    "data-sensitive": (2, r"(?:Sensitive data|Donn[ée]es sensibles)"),
    "data-carried-content": (
        2,
        r"(?:Any categories of personal data that may be contained"
        r"|Toute cat[ée]gorie de donn[ée]es [àa] caract[èe]re personnel"
        r" qui peuvent [êe]tre contenues)",
    ),
    "data-hosted-content": (
        2,
        r"(?:Any categories of personal data that may be recorded"
        r"|Toute cat[ée]gorie de donn[ée]es [àa] caract[èe]re personnel"
        r" qui peuvent [êe]tre enregistr)",
    ),
    "sm-service-activation": (3, r"(?:Service activation|Activation du service)\b"),
    "sm-user-authentication": (3, r"(?:User authentication|Authentification de l.usager)\b"),
    "sm-routing-configuration": (3, r"(?:Routing configuration|Informations de routage)\b"),
    "sm-incident-management": (3, r"(?:Incident management|Gestion des incidents)\b"),
    "sm-quality-of-service": (3, r"(?:Quality of service|Qualit[ée] de service)\b"),
    "sm-invoice-contract-order": (3, r"(?:Invoice, contract, order|Facture, contrat, bon de commande)\b"),
    "sm-itemized-billing": (3, r"(?:Itemi[sz]ed billing|Facturation d[ée]taill[ée]e)\b"),
    "sm-customer-reporting": (3, r"(?:Customer reporting|Rapports au Client)\b"),
    "sm-carry-traffic": (3, r"(?:Carry the traffic|Transporter le trafic)\b"),
    "sm-hosting": (3, r"(?:Hosting|H[ée]bergement)\b"),
    "sm-judicial-requests": (
        3,
        r"(?:Answering judicial requests"
        r"|Obligations de r[ée]ponse aux demandes judiciaires)\b",
    ),
    "sm-other": (3, r"(?:Other|Autre)\b"),
    "ds-customer-staff": (5, r"(?:Customer.s employees|Employ[ée]s et sous-traitants)"),
    "ds-end-users": (5, r"(?:Customer.s other end-users|(?:Les )?autres utilisateurs finaux)"),
}

#: the four sub-processor rows: (pattern of the row start, group or supplier)
ROW_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"Orange Business Services (?:legal )?entities\b", "group"),
    (r"Entit[ée]s l[ée]gales Orange Business\b", "group"),
    (r"Orange Business Services suppliers\b", "supplier"),
    (r"Fournisseurs d.Orange Business\b", "supplier"),
)

STATUS_WORDS = {"Yes": "yes", "No": "no", "Oui": "yes", "Non": "no"}
SERVICE_LINE = re.compile(r"^\s*(Name of the Service|Nom du Service)\s*:\s*(?P<name>\S.*?)\s*$", re.I)
HEADING = re.compile(r"^\s*(?:(?P<exa>ExA)\.)?(?P<num>[1-6])\.?\s+(?P<title>\S.*?)\s*:?\s*$")
TITLE = re.compile(
    r"^(?P<exhibit>exhibit a )?description (?:of processing of personal data|des traitements de "
    r"donnees a caractere personnel)\b.*\barticle 28 (?:of gdpr|du rgpd)$"
)
SUB_HEADING = re.compile(
    r"^(?:<i>)?\s*(?:categories of personal data (?:not )?identifiable by orange"
    r"|cat[ée]gories de donn[ée]es [àa] caract[èe]re personnel (?:non-)?identifiables par orange)"
    r"\s*(?:</i>)?$",
    re.I,
)
END_BOILERPLATE = re.compile(r"^\s*END OF SERVICE DESCRIPTION\b", re.I)
TABLE_HEADERS = {
    3: re.compile(
        r"^(?:<i>)?\s*(?:subject-matter of processing|objet du traitement)\b.*"
        r"(?:duration of processing|dur[ée]e du traitement)\s*(?:</i>)?$",
        re.I,
    ),
    6: re.compile(
        r"^(?:<i>)?\s*(?:sub-processors approved by customer|sous-traitants approuv[ée]s par le client)\b.*"
        r"(?:safety measures|mesures de s[ée]curit[ée]s?)\b.*$",
        re.I,
    ),
}
DURATION_START = re.compile(r"(?:For the|Pour la)\b", re.I)
SEPARATELY = re.compile(
    r"(?:are communicated separately to the customer|sont communiqu[ée]e?s s[ée]par[ée]ment au "
    r"client)\.?",
    re.I,
)
ENTITY = re.compile(r"\s*(?P<name>[^()\s][^()]*?)\s*\((?P<country>[^()]+)\)")


@dataclass(frozen=True)
class Token:
    """One word of a section and the line it stands on."""

    text: str
    line: int


def join_tokens(tokens: list[Token]) -> str:
    """The words as text: single spaces, a word hyphenated across a line break joined back."""
    out = ""
    for prev, token in zip([None, *tokens], tokens, strict=False):
        if prev is None:
            out = token.text
        elif prev.text.endswith("-") and len(prev.text) > 1 and prev.line != token.line:
            out += token.text
        else:
            out += " " + token.text
    return out


@dataclass
class Section:
    """A numbered section of the description."""

    key: int
    number: str
    title: str
    line: int


@dataclass
class Duration:
    """The duration of processing stated for a subject-matter."""

    text: str
    kind: str  # until-event, legal, controller, stated
    event: str | None = None
    period: str | None = None


@dataclass
class Answer:
    """A Yes/No line of the template."""

    item: str
    section: Section
    status: str
    first: int
    last: int
    duration: Duration | None = None
    restriction: str | None = None
    next_item_on_last_line: str | None = None


@dataclass
class Entity:
    """A sub-processor named in a row: 'Name (Country)'."""

    name: str
    country: str
    first: int
    last: int


@dataclass
class Clause:
    """One clause of a row's safeguard text."""

    text: str
    instrument: str  # scc or bcr
    requested: bool
    cnil: bool
    first: int
    last: int


@dataclass
class Row:
    """One of the four sub-processor rows."""

    item: str
    relation: str
    section: Section
    disclosure: str  # listed, none, separately
    first: int
    last: int
    entities: list[Entity] = field(default_factory=list)
    safeguard_text: str | None = None
    clauses: list[Clause] = field(default_factory=list)


@dataclass
class Purpose:
    """The purpose statement of section 4."""

    text: str
    section: Section
    first: int
    last: int
    service_provision: bool


@dataclass
class Pointer:
    """A section of an enclosing service description that points to Exhibit A."""

    number: str
    title: str
    first: int
    last: int


@dataclass
class Description:
    """Everything read from one document."""

    lines: list[str]
    language: str
    service_name: str | None
    short_name: str | None
    service_line: int | None
    exhibit: bool
    enclosing_title: str | None
    sections: dict[int, Section]
    answers: list[Answer]
    rows: list[Row]
    purpose: Purpose | None
    pointer: Pointer | None
    accounted: set[int]
    outside: set[int]

    @property
    def nonblank(self) -> set[int]:
        return {i for i, text in enumerate(self.lines, 1) if text.strip()}

    @property
    def unrecognised(self) -> set[int]:
        return self.nonblank - self.accounted

    def line_text(self, first: int, last: int) -> str:
        """The whole lines first..last, whitespace normalised."""
        return " ".join(
            " ".join(self.lines[i - 1].split()) for i in range(first, last + 1) if self.lines[i - 1].strip()
        )


def _starts_upper(text: str) -> bool:
    return bool(text) and text[0].isupper()


class _Stream:
    """The words of a section, with a joined text for matching patterns at word starts."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.offsets: list[int] = []
        parts: list[str] = []
        pos = 0
        for token in tokens:
            self.offsets.append(pos)
            parts.append(token.text)
            pos += len(token.text) + 1
        self.text = " ".join(parts)

    def match(self, pattern: re.Pattern[str], index: int) -> int | None:
        """The index of the first word after ``pattern`` matched at word ``index``, or None."""
        if index >= len(self.tokens):
            return None
        found = pattern.match(self.text, self.offsets[index])
        if not found or not _starts_upper(found.group(0)):
            return None
        end = found.end()
        after = index
        while after < len(self.tokens) and self.offsets[after] < end:
            after += 1
        return after


class Parser:
    """Reads the lines of one document into a Description."""

    def __init__(self, lines: list[str], path: str) -> None:
        self.lines = lines
        self.path = path
        self.accounted: set[int] = set()
        self.items = {name: re.compile(pattern, re.I) for name, (_, pattern) in ITEM_PATTERNS.items()}
        self.rows = [(re.compile(pattern, re.I), relation) for pattern, relation in ROW_PATTERNS]

    # -- document structure -------------------------------------------------------------------

    def headings(self) -> list[tuple[int, Section]]:
        found = []
        for number, text in enumerate(self.lines, 1):
            match = HEADING.match(text)
            if not match:
                continue
            key = int(match["num"])
            title = " ".join(match["title"].split()).rstrip(":").rstrip()
            if not normalise(title).startswith(SECTION_TITLES[key]):
                continue
            label = f"ExA.{key}" if match["exa"] else str(key)
            found.append((number, Section(key, label, title, number)))
        return found

    def title_lines(self, start: int, stop: int) -> tuple[list[int], bool]:
        """Lines holding the template's title (on up to three lines) between start and stop."""
        lines: list[int] = []
        exhibit = False
        number = start
        while number < stop:
            for span in (1, 2, 3):
                chunk = [i for i in range(number, min(number + span, stop)) if self.lines[i - 1].strip()]
                if len(chunk) != span:
                    continue
                match = TITLE.match(normalise(" ".join(self.lines[i - 1] for i in chunk)))
                if match:
                    lines += chunk
                    exhibit = exhibit or bool(match["exhibit"])
                    number = chunk[-1]
                    break
            number += 1
        return lines, exhibit

    def parse(self) -> Description:
        heads = self.headings()
        service = next(((i, found) for i, t in enumerate(self.lines, 1) if (found := SERVICE_LINE.match(t))), None)
        service_line = service[0] if service is not None else None
        if service_line is None and len({s.key for _, s in heads}) < 3:
            raise InputError(
                "not an Article 28 description: no 'Name of the Service' line and no template sections found", self.path
            )
        anchor = service_line or heads[0][0]
        # the description starts at its title when the title stands just before the anchor
        start = anchor
        previous = [i for i in range(max(1, anchor - 6), anchor) if self.lines[i - 1].strip()]
        titles, exhibit = self.title_lines(previous[0] if previous else anchor, anchor)
        if titles:
            start = titles[0]
        heads = [(n, s) for n, s in heads if n > anchor]
        if not heads:
            raise InputError(
                "not an Article 28 description: no template section after the service name", self.path, anchor
            )
        all_titles, more_exhibit = self.title_lines(start, len(self.lines) + 1)
        exhibit = exhibit or more_exhibit
        self.accounted.update(all_titles)
        name = short = None
        if service is not None:
            self.accounted.add(service[0])
            name = service[1]["name"]
            name = " ".join(name.split())
            paren = re.match(r"^(?P<name>.+?)\s*\((?P<short>[^()]+)\)$", name)
            if paren:
                name, short = paren["name"], paren["short"]
        for number, text in enumerate(self.lines, 1):
            if number > start and (SUB_HEADING.match(text.strip()) or END_BOILERPLATE.match(text)):
                self.accounted.add(number)
            elif number > start and number < len(self.lines) and text.strip():
                # a sub-heading wrapped over two lines
                joined = join_tokens([Token(w, n) for n in (number, number + 1) for w in self.lines[n - 1].split()])
                if SUB_HEADING.match(joined):
                    self.accounted.update((number, number + 1))
        sections: dict[int, Section] = {}
        for index, (number, section) in enumerate(heads):
            if section.key in sections:
                continue
            sections[section.key] = section
            self.accounted.add(number)
            stop = heads[index + 1][0] if index + 1 < len(heads) else len(self.lines) + 1
            body = [n for n in range(number + 1, stop) if self.lines[n - 1].strip() and n not in self.accounted]
            tokens = [Token(word, n) for n in body for word in self.lines[n - 1].split()]
            self.read_section(section, tokens)
        outside = {i for i in range(1, start) if self.lines[i - 1].strip()}
        pointer = self.pointer(start) if exhibit else None
        enclosing = self.enclosing_title(start, name) if exhibit else None
        french = [normalise(s.title).startswith(SECTION_TITLES[s.key][1]) for s in sections.values()]
        if service_line:
            french.append(self.lines[service_line - 1].strip().lower().startswith("nom"))
        language = "fr" if sum(french) * 2 > len(french) else "en"
        return Description(
            self.lines,
            language,
            name,
            short,
            service_line,
            exhibit,
            enclosing,
            sections,
            self.answers,
            self.row_records,
            self.purpose,
            pointer,
            self.accounted,
            outside - self.accounted,
        )

    def pointer(self, start: int) -> Pointer | None:
        """The numbered section of the enclosing description that says what Exhibit A sets out."""
        heading = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)+)\s+(?P<title>\S.*?)\s*$")
        for number in range(start - 1, 0, -1):
            match = heading.match(self.lines[number - 1])
            if not match:
                continue
            body = [n for n in range(number + 1, start) if self.lines[n - 1].strip()]
            text = " ".join(self.lines[n - 1] for n in body)
            if re.search(r"\bExhibit A\b", text):
                last = body[-1] if body else number
                self.accounted.update(range(number, last + 1))
                return Pointer(match["num"], match["title"], number, last)
            return None
        return None

    def enclosing_title(self, start: int, service: str | None) -> str | None:
        """The title of the service description that holds the exhibit ('Service Description for ...')."""
        for number in range(1, start):
            match = re.search(r"\bSERVICE DESCRIPTION FOR (?P<what>.+?)\s*$", self.lines[number - 1], re.I)
            if not match:
                continue
            what = match["what"]
            if service:
                found = re.search(re.escape(service), what, re.I)
                if found:
                    rest = what[found.end() :]
                    what = what[: found.start()].title() + service + rest.title()
            else:
                what = what.title()
            self.accounted.add(number)
            return f"Service Description for {what}"
        return None

    # -- sections ------------------------------------------------------------------------------

    answers: list[Answer]
    row_records: list[Row]
    purpose: Purpose | None = None

    def read_section(self, section: Section, tokens: list[Token]) -> None:
        if not hasattr(self, "answers"):
            self.answers, self.row_records = [], []
        if not tokens:
            return
        if section.key == 4:
            text = join_tokens(tokens)
            provision = bool(re.match(r"(?:Provision of the service|Fourniture du service)", text, re.I))
            self.purpose = Purpose(text, section, tokens[0].line, tokens[-1].line, provision)
            self.accounted.update(t.line for t in tokens)
        elif section.key == 6:
            self.read_rows(section, tokens)
        else:
            self.read_answers(section, tokens)

    def header(self, section: Section, tokens: list[Token]) -> None:
        """Words before the first row: the table header, if they read as one."""
        pattern = TABLE_HEADERS.get(section.key)
        if tokens and pattern and pattern.match(join_tokens(tokens)):
            self.accounted.update(t.line for t in tokens)

    def match_item(self, stream: _Stream, index: int, names: list[str]) -> tuple[str, int] | None:
        for name in names:
            after = stream.match(self.items[name], index)
            if after is not None:
                return name, after
        return None

    def read_answers(self, section: Section, tokens: list[Token]) -> None:
        stream = _Stream(tokens)
        names = [n for n, (key, _) in ITEM_PATTERNS.items() if key == section.key]
        index, first_item = 0, None
        while index < len(tokens):
            remaining = [n for n in names if n not in {a.item for a in self.answers}]
            found = self.match_item(stream, index, remaining)
            if found is None:
                index += 1
                continue
            if first_item is None:
                first_item = index
                self.header(section, tokens[:index])
            name, after = found
            status_at = next((j for j in range(after, len(tokens)) if tokens[j].text in STATUS_WORDS), None)
            if status_at is None:
                index += 1
                continue
            end = status_at + 1
            duration = None
            if section.key == 3 and end < len(tokens) and stream.match(DURATION_START, end) is not None:
                others = [n for n in remaining if n != name]
                stop = next((j for j in range(end + 1, len(tokens)) if self.match_item(stream, j, others)), len(tokens))
                duration = classify_duration(join_tokens(tokens[end:stop]))
                end = stop
            answer = Answer(
                name, section, STATUS_WORDS[tokens[status_at].text], tokens[index].line, tokens[end - 1].line, duration
            )
            if name == "op-disclosure":
                answer.restriction = restriction(join_tokens(tokens[index:status_at]))
            if end < len(tokens) and tokens[end].line == answer.last:
                nxt = self.match_item(stream, end, [n for n in remaining if n != name])
                answer.next_item_on_last_line = nxt[0] if nxt else None
            self.answers.append(answer)
            self.accounted.update(t.line for t in tokens[index:end])
            index = end

    def read_rows(self, section: Section, tokens: list[Token]) -> None:
        stream = _Stream(tokens)
        starts: list[tuple[int, str, int]] = []
        for index in range(len(tokens)):
            for pattern, relation in self.rows:
                after = stream.match(pattern, index)
                if after is not None:
                    starts.append((index, relation, after))
                    break
        if not starts:
            return
        self.header(section, tokens[: starts[0][0]])
        seen: set[str] = set()
        for number, (index, relation, after) in enumerate(starts):
            stop = starts[number + 1][0] if number + 1 < len(starts) else len(tokens)
            row_tokens = tokens[index:stop]
            zone_at = next((j for j in range(after, stop) if re.search(r"EU/EEA|UE/EEE", tokens[j].text)), None)
            if zone_at is None:
                continue
            outside = bool(re.search(r"\b(?:outside|dehors)\b", join_tokens(tokens[index : zone_at + 1]), re.I))
            item = f"sp-{relation}-{'non-eea' if outside else 'eea'}"
            if item in seen:
                continue
            seen.add(item)
            cell = zone_at + 1
            row = Row(item, relation, section, "listed", row_tokens[0].line, row_tokens[-1].line)
            separately = stream.match(SEPARATELY, cell) if cell < stop else None
            if separately is None and cell < stop:
                found = SEPARATELY.match(stream.text, stream.offsets[cell])
                if found:
                    separately = next((j for j in range(cell, stop) if stream.offsets[j] >= found.end()), stop)
            if separately is not None:
                row.disclosure, cell = "separately", separately
            elif cell < stop and tokens[cell].text == "NA":
                row.disclosure, cell = "none", cell + 1
            else:
                cell = self.read_entities(tokens, cell, stop, row)
                if not row.entities:
                    continue
            if cell < stop:
                row.safeguard_text = join_tokens(tokens[cell:stop])
                if row.safeguard_text != "NA":
                    row.clauses = split_clauses(tokens[cell:stop])
            self.row_records.append(row)
            self.accounted.update(t.line for t in row_tokens)

    def read_entities(self, tokens: list[Token], cell: int, stop: int, row: Row) -> int:
        """Read 'Name (Country)' entities from word ``cell``; return the index after the last one."""
        from .countries import country_iri

        while cell < stop:
            end = next((j for j in range(cell, stop) if tokens[j].text.endswith(")")), None)
            if end is None:
                break
            match = ENTITY.fullmatch(join_tokens(tokens[cell : end + 1]))
            if not match or country_iri(match["country"]) is None:
                break
            row.entities.append(
                Entity(" ".join(match["name"].split()), match["country"].strip(), tokens[cell].line, tokens[end].line)
            )
            cell = end + 1
        return cell


def restriction(text: str) -> str | None:
    """What follows the parenthesised definition of the disclosure item."""
    depth, opened = 0, False
    for position, char in enumerate(text):
        if char == "(":
            depth, opened = depth + 1, True
        elif char == ")" and depth:
            depth -= 1
            if opened and depth == 0:
                rest = text[position + 1 :].lstrip(" .")
                return rest or None
    return None


def classify_duration(text: str) -> Duration:
    """The kind of a duration as worded."""
    period = None
    found = re.search(r"\bplus (\d+) (months?|mois|years?|ans?)\b", text, re.I)
    if found:
        period = f"P{found[1]}{'M' if found[2].lower().startswith('mo') else 'Y'}"
    if re.search(r"required by (?:applicable )?law|requise par la loi", text, re.I):
        return Duration(text, "legal")
    if re.search(r"requested by (?:the )?Customer|demand[ée]e par le Client", text, re.I):
        return Duration(text, "controller")
    if re.search(r"hosting service|service d.h[ée]bergement", text, re.I):
        return Duration(text, "until-event", "EndOfHostingService", period)
    if re.search(r"transmission", text, re.I):
        return Duration(text, "until-event", "EndOfTransmission", period)
    if re.search(r"provide the service|fournir le service", text, re.I):
        return Duration(text, "until-event", "EndOfService", period)
    return Duration(text, "stated", None, period)


def split_clauses(tokens: list[Token]) -> list[Clause]:
    """A safeguard cell cut at its commas into recognised clauses (SCCs, BCRs)."""
    groups: list[list[Token]] = [[]]
    for token in tokens:
        groups[-1].append(token)
        if token.text.endswith(","):
            groups.append([])
    clauses = []
    for group in groups:
        if not group:
            continue
        text = join_tokens(group).rstrip(",").strip()
        if re.search(r"binding corporate rules|r[èe]gles contraignantes", text, re.I):
            instrument = "bcr"
        elif re.search(r"standard (?:model )?clauses|model clauses|clauses-?\s?mod[èe]le", text, re.I):
            instrument = "scc"
        else:
            continue
        requested = bool(re.search(r"approval request|demande d.approbation", text, re.I))
        clauses.append(Clause(text, instrument, requested, "CNIL" in text, group[0].line, group[-1].line))
    return clauses


def parse(lines: list[str], path: str) -> Description:
    """Parse the lines of one document."""
    parser = Parser(lines, path)
    parser.answers, parser.row_records = [], []
    return parser.parse()
