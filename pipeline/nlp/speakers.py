"""Speaker resolution for claims: a source token -> the speaker's fullest name and type.

`SpeakerResolver` turns the subject (or agent, possessor, `according to` object) of a
reporting cue into a name and a type (PERSON, ORG, GPE, GROUP or NONE): entity mentions are
widened to the article's fullest form; a source phrase ending in a name set off by commas
(`the company that runs it, Dick Clark Productions,`) is that name (never a person's home
town); definite descriptions (`the suspect`, `China's ambassador`) take the name the
article introduced with that noun, and an indefinite title (`a police chief says`) the name
given that title in the next sentences; a new description of a person (`X has defended
it. The estate agent said`) is the previous sentence's main subject; `the 56-year-old` is
the person given that age, else the most mentioned person; bare titles (`the minister`) and
organisation nouns (`the ministry`, `the bank`) resolve to the person titled so or the
nearest compatible organisation; `the statement` to whoever issued it, `the party's
letter` to the party; pronouns to the nearest speaker or subject that agrees in gender and
number (`pipeline.nlp.coref`). Names the article gives a title (`Minister X`) are persons
even where the entity recogniser said otherwise. An unnamed source keeps its phrase
(`critics`). One resolver serves one document, in text order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, Sentence, clean_name, token_span, token_start
from pipeline.nlp.coref import DEFINITE, SUBJECT_FORM, Candidate, Coref, main_subject, proper_name
from pipeline.nlp.lexicons.triggers import PERSONS

SEARCH_WINDOW = 20_000  # chars looked back for titles and salience; keeps long texts linear
NAMED_AHEAD = 2  # sentences after an indefinite title (`a police chief said`) that may name it
NAME_DEPS_DROP = {"relcl", "appos", "acl", "punct", "parataxis", "advcl", "cc"}


def _name_tokens(head: Token, depth: int = 0) -> list[Token]:
    """Tokens of the noun phrase headed by `head`, without clauses or appositions.

    Keeps a contiguous run around the head and at most one level of `of`/`for`/`in`
    phrases, so sources stay short (`spokesperson for the British Foreign Office`).
    """
    out = [head]
    for c in head.children:
        if c.dep_ in NAME_DEPS_DROP or c.is_punct:
            continue
        if c.i > head.i and c.dep_ not in ("prep", "conj", "pobj", "compound"):
            continue
        if c.dep_ == "prep" and (c.lower_ not in ("of", "for", "in", "at", "from") or depth > 1):
            continue
        out.extend(_name_tokens(c, depth + 1))
    out.sort(key=lambda t: t.i)
    run = [t for t in out if t.i <= head.i]
    for t in out:
        if t.i > head.i and t.i == run[-1].i + 1:
            run.append(t)
    return run


def _bare_title(tok: Token) -> bool:
    """`the minister`, `the Prime Minister`: a title used as an anaphor, with no name,
    apposition or `of`/`for` phrase that would make it a description of its own."""
    if tok.lower_ not in lx.TITLE_NOUNS:
        return False
    kids = list(tok.children)
    if not any(c.lower_ == "the" for c in kids):
        return False
    if any(c.dep_ in ("appos", "prep", "relcl", "acl") for c in kids):
        return False
    return all(
        c.dep_ in ("det", "amod", "compound", "punct") and not c.ent_type_ or c.lower_ == "prime"
        for c in kids
    )


def _age_description(tok: Token) -> str | None:
    """The age of a definite age description (`the 56-year-old`, `the 56-year-old striker`),
    or None. Only people are described by their age alone in news prose, and the definite
    article says that the person was introduced before."""
    if not any(c.dep_ == "det" and c.lower_ in DEFINITE for c in tok.children):
        return None
    olds = (
        [tok] if tok.lower_ == "old" else [c for c in tok.children if c.dep_ == "amod" and c.lower_ == "old"]
    )
    for old in olds:
        for year in old.children:
            if year.lemma_.lower() == "year" and year.i < old.i:
                for num in year.children:
                    if num.dep_ == "nummod" and num.like_num:
                        return num.text
    return None


def _bare_noun(tok: Token) -> bool:
    """`the bank`: a definite noun with nothing that would make it a description of its own
    (`the Jordanian government`, `the bank's lawyers`)."""
    return all(c.dep_ in ("det", "punct") for c in tok.children)


def _entity_of(tok: Token, ents: Sequence[Span]) -> Span | None:
    """The entity of `ents` (the sentence's `doc.ents`, read once) that holds `tok`."""
    for ent in ents:
        if ent.start <= tok.i < ent.end:
            return ent
    return None


def plausible_source(tok: Token) -> bool:
    """Sources are people, organisations, places, documents: not `the deal` or `hopes`."""
    if tok.pos_ == "PRON":
        return tok.lower_ not in ("that", "which", "what", "this", "these", "those", "you")
    if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or tok.pos_ == "PROPN":
        return True
    lemma = tok.lemma_.lower()
    if lemma in lx.GROUP_NOUNS or lemma in lx.ORG_NOUNS or lemma in lx.TITLE_NOUNS:
        return True
    if tok.lower_ in lx.GROUP_NOUNS or lemma in lx.SOURCE_NOUNS:
        return True
    if tok.pos_ == "NUM" or tok.lower_ in ("some", "others", "many", "both", "most", "few"):
        return True
    return any(c.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for c in tok.children)


def _in_main_clause(tok: Token) -> bool:
    """Whether a source token belongs to its sentence's main clause: a main-clause subject
    (or a name in apposition to one), not a source nested in what someone else said."""
    while tok.dep_ in ("appos", "compound", "conj") and tok.head.i != tok.i:
        tok = tok.head
    return main_subject(tok) or tok.dep_ not in ("nsubj", "nsubjpass")


# -------------------------------------------------------------- speaker text

# Pronouns that only refer to a person (a personal pronoun after a noun shows it is one).
PERSONAL = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself"})


class SpeakerResolver:
    """Turns a subject token into the fullest mention and a speaker type."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.coref = Coref.of(ctx)
        self.noted: list[Candidate] = []
        self._plural: dict[str, bool] = {}
        self._resolved_at: tuple[str, int, bool] | None = None
        self._pwords: set[str] | None = None

    def note(self, pos: int, speaker: str | None, stype: str) -> None:
        """Remember a claim's speaker as a candidate antecedent for later pronouns and
        descriptions, with its number and where its source token stands."""
        if speaker is None:
            return
        plural = " and " in speaker or self._plural.get(speaker, stype == "GROUP")
        main = True
        if self._resolved_at is not None and self._resolved_at[0] == speaker:
            pos = self._resolved_at[1]  # where the source stands, not where its sentence starts
            main = self._resolved_at[2]
        self.noted.append(Candidate(pos, speaker, stype, plural, main))

    def resolve(self, sent: Sentence, tok: Token | None) -> tuple[str | None, str]:
        if tok is None:
            return None, "NONE"
        low = tok.lower_
        if low in ("who", "that", "which") and tok.head.dep_ == "relcl":
            tok = tok.head.head  # `a lawyer who said` -> the lawyer
            low = tok.lower_
        if tok.dep_ == "poss" and low in SUBJECT_FORM:  # `his claim that ...`
            return self._pronoun(sent, tok, SUBJECT_FORM[low])
        if low in lx.PERSON_PRONOUNS | lx.PLURAL_PRONOUNS | {"it"}:
            return self._pronoun(sent, tok)
        if tok.tag_ in ("NNS", "DT") and (low == "both" or any(c.lower_ == "both" for c in tok.children)):
            # `Both men said`: `both` presupposes a pair, the nearest two people named together
            pair = self.coref.pair(token_start(sent, tok), self.noted)
            if pair is not None:
                return pair.name, pair.stype
        parts = [tok] + [c for c in tok.children if c.dep_ == "conj"]
        for c in list(parts[1:]):
            parts.extend(g for g in c.children if g.dep_ == "conj")
        parts = [parts[0]] + [p for p in parts[1:] if plausible_source(p)]
        names: list[str] = []
        types: list[str] = []
        covered: set[int] = set()
        for p in parts:
            if p.i in covered:
                continue
            ent = _entity_of(p, sent.view().ents)
            if ent is not None:
                covered.update(range(ent.start, ent.end))
            name, stype = self._one(sent, p)
            if name and not any(name in n for n in names):
                names.append(name)
                types.append(stype)
        if not names:
            return None, "NONE"
        stype = types[0] if len(set(types)) == 1 else "GROUP"
        name = " and ".join(names)
        # number for later pronouns: `officials` and `X and Y` are `they`, `the ministry` `it`
        self._plural[name] = len(names) > 1 or tok.tag_ in ("NNS", "NNPS")
        self._resolved_at = (name, token_start(sent, tok), _in_main_clause(tok))
        return name, stype

    def _one(self, sent: Sentence, tok: Token) -> tuple[str, str]:
        named = self._appositive_name(sent, tok)
        if named is not None:
            return named
        described = self._described(sent, tok)
        if described is not None:
            return described
        age = _age_description(tok)
        if age is not None:
            aged = self._aged(age, token_start(sent, tok))
            if aged is not None:
                return aged, "PERSON"
        if _bare_title(tok):
            # `the Prime Minister` -> the person titled so earlier; with none, the title stays
            # (naming the article's most frequent person instead misattributed speech to people
            # never given that title, and changed no gold figure)
            resolved = self._definite(tok, token_start(sent, tok))
            if resolved:
                return resolved
        varied = self._varied(sent, tok)
        if varied is not None:
            return varied, "PERSON"
        ents = sent.view().ents
        ent = _entity_of(tok, ents)
        if ent is None or ent.label_ != "PERSON":
            for c in tok.children:  # `his predecessor, Fiona Hill,` -> the named person
                if c.dep_ != "appos":
                    continue
                # `Another diplomat, former special envoy to Ukraine Kurt Volker,`
                # a name inside a clause on the apposition (`X, a backer who met Y,`) is
                # someone else
                clauses = {t.i for k in c.children if k.dep_ in ("relcl", "acl") for t in k.subtree}
                for g in (c, *(t for t in c.subtree if t.i != c.i and t.i not in clauses)):
                    if c.pos_ == "NOUN" and g.i < c.i and c.i in (g.head.i, g.head.head.i):
                        continue  # `X, a longtime Y backer,`: Y describes the backer, is not X
                    cent = _entity_of(g, ents)
                    if cent is not None and cent.label_ == "PERSON":
                        return self.ctx.fullest(cent.text), "PERSON"
        if ent is not None and ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
            if ent.label_ == "PERSON":
                return self.ctx.fullest(ent.text), "PERSON"
            if ent.label_ == "NORP" and tok.ent_type_ == "NORP" and tok.i == ent.end - 1:
                return clean_name(ent.text), "GROUP"
            person = self.ctx.fullest(ent.text)
            if person != ent.text or self.ctx.is_person(ent.text):
                return person, "PERSON"  # NER called a known person's surname ORG/GPE
            titled = self.coref.person(ent.text)
            if titled is not None:
                return titled, "PERSON"  # the article gives the name a title: `Minister X`
            if ent.end - 1 >= tok.i and tok.ent_type_:
                label = "GPE" if ent.label_ in ("GPE", "LOC", "FAC") else "ORG"
                name = clean_name(self._with_modifiers(sent, tok, ent))
                return self.ctx.expand_acronym(name), label
        if tok.lemma_.lower() in lx.DOCUMENT_NOUNS:  # `a report by Amnesty International`
            for c in tok.children:
                # `the party's letter said`: a document speaks for the one it belongs to
                if c.dep_ == "poss" and c.pos_ == "PROPN":
                    return self._one(sent, c)
                if c.dep_ == "prep" and c.lower_ in ("from", "by"):
                    for g in c.children:
                        if g.dep_ != "pobj":
                            continue
                        gent = _entity_of(g, ents)
                        if (
                            gent is not None
                            and gent.label_ in ("PERSON", "ORG", "GPE", "NORP")
                            or g.pos_ == "PROPN"
                            or g.lemma_.lower() in lx.ORG_NOUNS | lx.GROUP_NOUNS
                        ):
                            return self._one(sent, g)
        toks = _name_tokens(tok)
        # drop everything before a comma-separated block to keep a compact phrase
        start, end = token_span(sent, toks)
        phrase = clean_name(self.ctx.text[start:end])
        head = tok.lemma_.lower()
        if tok.pos_ == "PROPN" and self.ctx.is_person(phrase):
            return self.ctx.fullest(phrase), "PERSON"
        if tok.tag_ in ("NN", "NNP") and any(c.lower_ == "the" for c in tok.children):
            resolved = self._definite(tok, start)
            if resolved:
                return resolved
        if any(t.ent_type_ == "PERSON" for t in toks):
            person_toks = [t for t in toks if t.ent_type_ == "PERSON"]
            ent = _entity_of(person_toks[-1], ents)
            if ent is not None:
                return self.ctx.fullest(ent.text), "PERSON"
        if tok.lower_ in lx.GROUP_NOUNS or head in lx.GROUP_NOUNS or tok.tag_ in ("NNS", "NNPS"):
            if head in lx.ORG_NOUNS and tok.tag_ not in ("NNS", "NNPS"):
                return phrase, "ORG"
            return phrase, "GROUP"
        if head in lx.ORG_NOUNS or tok.pos_ == "PROPN":
            if head == "government" and any(t.ent_type_ in ("NORP", "GPE") for t in toks):
                return phrase, "GPE"
            return phrase, "ORG"
        return phrase, "GROUP"

    def _appositive_name(self, sent: Sentence, tok: Token) -> tuple[str, str] | None:
        """`The company that runs the show, Dick Clark Productions, denies`: a common-noun
        source whose phrase ends in a name set off by commas is that name. Read off the
        tokens, not the parse: the parser often hangs such an apposition on the nearest noun
        (`the show`) instead of the source."""
        if tok.pos_ != "NOUN" or tok.ent_type_:
            return None
        sub = sorted(tok.subtree, key=lambda t: t.i)
        doc = tok.doc
        end = sub[-1].i
        if doc[end].text == ",":
            end -= 1
        elif end + 1 >= len(doc) or doc[end + 1].text != ",":
            return None  # the name must be closed off by a comma before the verb
        run: list[Token] = []
        i = end
        while i > tok.i and doc[i].pos_ == "PROPN" and doc[i].text[:1].isupper():
            run.insert(0, doc[i])
            i -= 1
        if not run or i <= tok.i:
            return None
        # what stands between the comma and the name may only describe it (`former envoy`)
        while i > tok.i and doc[i].text != ",":
            if doc[i].pos_ in ("VERB", "AUX", "PRON") or doc[i].is_punct:
                return None
            i -= 1
        if i <= tok.i:
            return None
        name = clean_name(" ".join(t.text for t in run))
        head = tok.lemma_.lower()
        if run[-1].ent_type_ in ("GPE", "LOC") and (
            head in lx.TITLE_NOUNS | lx.GROUP_NOUNS or head in PERSONS
        ):
            return None  # `the protester, X, 60, from Leeds,`: a person's home, not the person
        person = self.coref.person(name)
        if person is not None or run[-1].ent_type_ == "PERSON" or head in lx.TITLE_NOUNS | lx.GROUP_NOUNS:
            return person or self.ctx.fullest(name), "PERSON"
        label = "GPE" if run[-1].ent_type_ == "GPE" and head not in lx.ORG_NOUNS else "ORG"
        return self.ctx.expand_acronym(name), label

    def _described(self, sent: Sentence, tok: Token) -> tuple[str, str] | None:
        """`the suspect said` -> the name the article introduced as `the suspect` (see
        `Coref.described`); only a definite singular common noun with no name of its own."""
        if tok.tag_ != "NN" or tok.ent_type_ or not tok.text[:1].islower():
            return None
        kids = list(tok.children)
        head = tok.lemma_.lower()
        # `China's ambassador`: a title owned by a named country or body is definite too (a
        # person's `Morrison's lawyer` is relative to that person, and may be anyone's lawyer)
        owned = head in lx.TITLE_NOUNS and any(
            c.dep_ == "poss" and c.ent_type_ in ("GPE", "ORG", "NORP") and not self.coref.person(c.text)
            for c in kids
        )
        if head in lx.TITLE_NOUNS and any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in kids):
            # `A transit chief says ...`: news often gives a source's role first and the name
            # right after (`Police Chief Jane Roe told ...`); an indefinite title introduces
            # someone new, so only a name given that title in the next sentences is meant
            ahead = self.coref.introduced_after(head, token_start(sent, tok), NAMED_AHEAD)
            if ahead is not None and (ahead.label == "PERSON" or self.coref.person(ahead.name)):
                return self.coref.person(ahead.name) or ahead.name, "PERSON"
            return None
        if not owned and not any(c.dep_ == "det" and c.lower_ in DEFINITE for c in kids):
            return None
        if any(c.dep_ == "appos" or c.dep_ == "poss" and not owned for c in kids):
            return None  # `the group, Big Machine,` / `his lawyer`: named in place, or not definite
        bare = not owned and not any(c.dep_ == "prep" for c in kids)
        found = self.coref.described(head, token_start(sent, tok), cataphora=owned, bare=bare)
        if found is None:
            return None
        if found.label == "PERSON" or self.coref.person(found.name):
            return self.coref.person(found.name) or found.name, "PERSON"
        label = "GPE" if found.label == "GPE" else "ORG"
        return self.ctx.expand_acronym(found.name), label

    def _varied(self, sent: Sentence, tok: Token) -> str | None:
        """`Jane Roe didn't expect it. The estate agent said ...`: news prose avoids repeating a
        name by describing the person instead (elegant variation), so a definite singular
        noun for a person that the article introduced with no name (no `X, the agent,`), that
        it has not used before (`a patient ... the patient` is that unnamed patient) and that
        carries no complement of its own (`the agent of X` is someone new) is the previous
        sentence's main subject, when that is one person. Titles are left out: an office the
        text never gave anyone (`the Prime Minister`) stays a title (see `_bare_title`)."""
        if tok.tag_ != "NN" or tok.ent_type_ or not tok.text[:1].islower():
            return None
        head = tok.lemma_.lower()
        if head in lx.GROUP_NOUNS | lx.ORG_NOUNS | lx.DOCUMENT_NOUNS | lx.TITLE_NOUNS:
            return None
        # a noun for a kind of person, or one the sentence itself treats as a person: a
        # personal pronoun after it (`the agent said she ...`; not `the study`, `the court`)
        if head not in PERSONS and (
            head in lx.SOURCE_NOUNS
            or not any(t.i > tok.i and t.lower_ in PERSONAL for t in tok.sent if t.pos_ == "PRON")
        ):
            return None
        kids = list(tok.children)
        if not any(c.dep_ == "det" and c.lower_ in DEFINITE for c in kids):
            return None
        if any(c.dep_ in ("poss", "appos", "prep", "relcl", "acl") for c in kids):
            return None
        index = self.ctx.sentences.index(sent) if sent in self.ctx.sentences else 0
        if index == 0:
            return None
        pos = token_start(sent, tok)
        if re.search(rf"\b{re.escape(tok.lower_)}\b", self.ctx.text[max(0, pos - SEARCH_WINDOW) : pos], re.I):
            return None  # `a patient ... the patient`: refers back to that unnamed mention
        prev = self.ctx.sentences[index - 1]
        for c in self.coref.candidates(pos, self.noted):
            if c.pos < prev.start:
                break
            if c.pos >= prev.end or not c.main:
                continue
            return c.name if c.stype == "PERSON" and not c.plural else None
        return None

    def _with_modifiers(self, sent: Sentence, tok: Token, ent: Span) -> str:
        """Entity text, widened to its noun phrase when the entity is a modifier."""
        toks = _name_tokens(tok)
        start, end = token_span(sent, toks)
        return self.ctx.text[start:end] if end - start < 80 else ent.text

    def _definite(self, tok: Token, pos: int) -> tuple[str, str] | None:
        """`the minister` -> the person titled so earlier; `the ministry` -> the fullest org."""
        head = tok.lower_
        if head in lx.TITLE_NOUNS:
            alt = {
                "governor": "gov",
                "senator": "sen",
                "general": "gen",
                "president": "pres",
                "representative": "rep",
            }.get(head)
            title = re.escape(head) + (rf"|{alt}\." if alt else "")
            rx = re.compile(
                rf"\b(?i:{title})(?![a-z])[\w\s.’'-]{{0,40}}?((?:[A-Z][\w’'.-]+\s+){{0,2}}[A-Z][\w’'-]+)"
            )
            cands = []
            person_words = self._person_words()
            window = max(0, pos - SEARCH_WINDOW)
            for m in rx.finditer(self.ctx.text, window, pos):
                cand = m.group(1)
                if set(cand.split()) & person_words:
                    surname = cand.split()[-1]
                    salience = len(re.findall(rf"\b{re.escape(surname)}\b", self.ctx.text[window:pos]))
                    cands.append((salience, m.start(), cand))
            if cands:
                return self.ctx.fullest(max(cands)[2]), "PERSON"
        if head in lx.DOCUMENT_NOUNS:
            # `the statement continued`: the document introduced earlier (`X said in a
            # statement`) speaks for whoever issued it, the latest source of such a sentence
            issuer = self.coref.issuer(head, pos, self.noted)
            if issuer is not None:
                return issuer.name, issuer.stype
        if head in lx.ORG_NOUNS:
            best = None
            for men in self.ctx.mentions_before(pos, ("ORG",)):
                if head in men.text.lower() and (best is None or len(men.text) > len(best)):
                    best = men.text
            if best:
                return clean_name(best), "ORG"
            if tok.tag_ == "NN" and head not in lx.DOCUMENT_NOUNS and _bare_noun(tok):
                # `the bank said`: the nearest organisation that was a source or a subject
                for c in self.coref.candidates(pos, self.noted):
                    kind = c.name.split()[-1].lower()
                    if kind in lx.ORG_NOUNS and kind != head:
                        continue  # `Xinhua News Agency` is an agency, never `the commission`
                    if c.stype == "ORG" and not c.plural:
                        return c.name, "ORG"
            if head in lx.DEFINITE_ORG_FALLBACK:
                counts: dict[str, int] = {}
                for men in self.ctx.mentions_before(pos, ("ORG",)):
                    key = clean_name(men.text)
                    counts[key] = counts.get(key, 0) + 1
                if counts:
                    return max(counts.items(), key=lambda kv: kv[1])[0], "ORG"
        return None

    def _aged(self, age: str, pos: int) -> str | None:
        """The person `the {age}-year-old` refers to: the latest one the article gives that
        age (`Jane Roe, 56,` / `56-year-old Jane Roe`), else the person named most often."""
        text = self.ctx.text[max(0, pos - SEARCH_WINDOW) : pos]
        name = r"((?:[A-Z][\w’'.-]+\s+){0,2}[A-Z][\w’'-]+)"
        rx = re.compile(rf"{name},\s+{re.escape(age)}\b|\b{re.escape(age)}-year-old\s+{name}")
        for m in reversed(list(rx.finditer(text))):
            cand = m.group(1) or m.group(2)
            person = self.coref.person(cand)
            if person is not None:
                return person
        # no age given: an epithet names the story's central person, the one named most
        # often so far (on a tie the one named first, in the lead), not merely the nearest
        counts: dict[str, list[int]] = {}
        for men in self.ctx.mentions_before(pos, ("PERSON",)):
            key = self.ctx.fullest(men.text)
            counts.setdefault(key, []).append(men.start)
        if not counts:
            return None
        return max(counts.items(), key=lambda kv: (len(kv[1]), -kv[1][0]))[0]

    def _person_words(self) -> set[str]:
        """Words of all PERSON mentions (computed once per document)."""
        if self._pwords is None:
            self._pwords = {w for m in self.ctx.mentions if m.label == "PERSON" for w in m.text.split()}
        return self._pwords

    def _pronoun(self, sent: Sentence, tok: Token, low: str | None = None) -> tuple[str | None, str]:
        """The nearest compatible speaker or subject (`Coref.antecedent`: gender and number
        agree); with none, he/she take the latest person of that gender, they/it the latest
        organisation or place. `low` is the pronoun's subject form when `tok` is possessive."""
        low = low or tok.lower_
        pos = token_start(sent, tok)
        fronted = self._fronted_person(sent, tok)
        if fronted is not None:
            return fronted, "PERSON"
        found = self.coref.antecedent(low, pos, self.noted)
        if found is not None:
            return found.name, found.stype
        if low in ("he", "she", "i", "him", "her"):
            wanted = {"he": "m", "him": "m", "she": "f", "her": "f"}.get(low)
            for m in reversed(self.ctx.mentions_before(pos, ("PERSON",))):
                name = self.ctx.fullest(m.text)
                if wanted is None or self.gender(name) in (None, wanted):
                    return name, "PERSON"
            return None, "NONE"
        orgs = self.ctx.mentions_before(pos, ("ORG", "GPE"))
        if orgs:
            return clean_name(orgs[-1].text), "ORG" if orgs[-1].label == "ORG" else "GPE"
        return None, "NONE"

    def _fronted_person(self, sent: Sentence, tok: Token) -> str | None:
        """`While the campaign did not appeal to Julia Gray, she said ...`: a he/she subject
        of the main clause after a fronted adverbial clause with a subject of its own refers
        to the person named in that clause (the last one of the pronoun's gender). A clause
        without its own subject (`After meeting X, he said`) has the pronoun as its
        understood subject, so X is someone else and is skipped."""
        if tok.lower_ not in ("he", "she") or tok.dep_ != "nsubj":
            return None
        wanted = "m" if tok.lower_ == "he" else "f"
        ents = sent.view().ents
        for clause in tok.head.children:
            if clause.dep_ != "advcl" or clause.i > tok.i:
                continue
            if not any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children):
                continue
            people = [e for e in ents if e.label_ == "PERSON" and clause.left_edge.i <= e.start < tok.i]
            for ent in reversed(people):
                text = proper_name(ent.root)  # the whole name, where NER took only a part
                name = self.coref.person(text) or self.ctx.fullest(text)
                if self.gender(name) in (None, wanted):
                    return name
        return None

    def gender(self, name: str) -> str | None:
        """'m'/'f' from honorifics or the pronouns that follow the name; None when unsure."""
        return self.coref.gender(name)
