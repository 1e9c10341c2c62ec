# ruff: noqa: E501 (the demo's contributions read best one to a line)
"""A realistic demo inquiry, after the event: NHS, council and voluntary-sector leaders asked "How might
health and care wrap around each resident?" over three rounds; about sixty people, 150 contributions in
eight themes, a vote on themes and a vote on ideas, reactions, a few hidden posts and one held back.

It is built as an export document and imported (board/exports.py), so it goes through the same checks as
an uploaded file. The same seed gives the same inquiry; the owner is a facilitator account you name, or a
"demo" account that cannot log in (`manage.py demo_inquiry`), or the facilitator who asks for a sample
inquiry on "Your inquiries" (board/views.py)."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from board import exports
from board.management import event_cards, event_map
from inquiry.access import FACILITATOR, Actor
from inquiry.actions import close_inquiry
from inquiry.models import Round

SECTORS = ["NHS", "Local authority", "Voluntary and community sector", "Other"]
PEOPLE = {"NHS": 23, "Local authority": 18, "Voluntary and community sector": 17, "Other": 2}
EVENT_PEOPLE = {"NHS": 34, "Local authority": 30, "Voluntary and community sector": 28, "Other": 8}
CLOSING = dict(zip(("question", "guidance"), Round.DEFAULT_WORDS[Round.NEXT_STEPS], strict=True))
ROUNDS = [
    ("What gets in the way of care wrapping around residents today?", "Think of one resident you know."),
    (
        "What would you try first, together, in the next six months?",
        "Small and concrete beats big and vague.",
    ),
    ("What would tell us in a year that it is working?", "What would a resident notice?"),
]
# Theme: colour, and how much each sector (NHS, council, voluntary, other) cares about it.
THEMES = {
    "info": ("Sharing information safely", "sky", (3, 3, 2, 1)),
    "teams": ("Neighbourhood teams", "mint", (3, 3, 3, 1)),
    "discharge": ("Hospital discharge and flow", "peach", (6, 2, 1, 1)),
    "prevention": ("Prevention and community assets", "lilac", (1, 2, 6, 1)),
    "workforce": ("Workforce and roles", "rose", (2, 2, 2, 1)),
    "money": ("Funding and commissioning", "sun", (1, 6, 1, 1)),
    "digital": ("Digital inclusion", "sand", (1, 1, 3, 1)),
    "voice": ("Residents' voice", "stone", (1, 1, 4, 1)),
}
NAMES = (
    "Amira Ben Chris Dami Ellie Farid Grace Hannah Imran Jo Kwame Lucy Maya Niall Olu Priya Quinn Rosa Sam Tariq "
    "Uma Vik Wendy Xander Yusuf Zara Abi Bilal Cath Dev Esme Fin Gita Hugo Isla Jas Kate Leon Mo Nia Owen Pat "
    "Rhys Sana Tom Una Val Will Yas Zoe Ade Beth Cal Dora Eli Fay Gus Hal Ivy Jon Keira Liam Mina Nat Ola "
    "Pia Raj Suki Theo Uzma Vera Wes Ayo Bea Cyrus Dilys Emeka Flo Gwen Hari Ines Jude Kofi Lena Marek Noor"
).split()
# At event size the themes the after-event demo left unplaced have a place.
EVENT_PLACES = {
    "Transport to appointments is a hidden barrier nobody has mentioned yet.": "transport",
    "Housing is health: damp flats are making children ill.": "housing",
    "Mental health needs to be in this conversation, not a separate one.": "mental",
}

# (round, theme, text). Round 1: barriers; round 2: what to try first; round 3: signs that it works.
# fmt: off
CONTRIBUTIONS = [
    (1, "info", "Three organisations hold three different records for the same resident and none of them talk to each other."),
    (1, "info", "Information governance is used as a reason to say no, when the law would let us share for direct care."),
    (1, "info", "Our social workers cannot see GP records, so they ring the practice and wait days for a call back."),
    (1, "info", "Residents tell their story again and again — one woman counted eleven assessments in a year."),
    (1, "info", "Charities are left out of data sharing agreements entirely, even when we are the ones visiting every week."),
    (1, "info", "Nobody owns the data sharing agreement, so it takes eighteen months to sign anything."),
    (2, "info", "Agree one data sharing agreement for the whole neighbourhood, signed once by every partner, voluntary sector included."),
    (2, "info", "Give care coordinators read-only access to the shared care record from day one."),
    (2, "info", "Start with one cohort (frail older people) and share a single care plan they can see too."),
    (2, "info", "Ask residents for consent once and record it where every partner can see it."),
    (2, "info", "Put an IG lead from each organisation in one room for a morning and leave with a yes."),
    (2, "info", "Let residents hold their own plan, on paper or on their phone, so they carry it between services."),
    (3, "info", "Residents say they only had to tell their story once."),
    (3, "info", "A district nurse can see the social care plan without picking up the phone."),
    (3, "info", "Fewer duplicate assessments counted across the partnership each quarter."),
    (3, "info", "Voluntary sector partners are named in the sharing agreement and actually use it."),
    (3, "info", "Time from referral to first visit drops because nobody is chasing information."),
    (3, "info", "No information governance incidents despite sharing more: proof that safe sharing works."),
    (1, "teams", "Teams are organised around organisations, not around the streets people live on."),
    (1, "teams", "GP practice boundaries, ward boundaries and social care patches all draw different maps."),
    (1, "teams", "Staff working in the same neighbourhood have never met each other."),
    (1, "teams", "Every service has its own front door and residents have to guess which one to knock on."),
    (1, "teams", "Multidisciplinary meetings happen, but the people who know the resident best are not invited."),
    (1, "teams", "Short-term pilots end just as trust between teams starts to build."),
    (2, "teams", "Co-locate district nursing, social work and a community connector in one building per neighbourhood."),
    (2, "teams", "Hold a weekly huddle per neighbourhood where anyone can bring a resident they are worried about."),
    (2, "teams", "Agree one shared neighbourhood map and use it for every service's planning."),
    (2, "teams", "Name a single key worker for each resident with complex needs, whoever employs them."),
    (2, "teams", "Invite housing officers and the local food bank to the multidisciplinary meeting."),
    (2, "teams", "Commit to a three-year neighbourhood team, not another twelve-month pilot."),
    (3, "teams", "Staff in a neighbourhood know each other by first name and pick up the phone."),
    (3, "teams", "Residents know one number to call, and who will answer it."),
    (3, "teams", "The huddle is still running in a year without anyone having to chase it."),
    (3, "teams", "Fewer people fall between services: fewer cases closed by one team and reopened by another."),
    (3, "teams", "Team members would recommend working in the neighbourhood team to a friend."),
    (3, "teams", "GP practices report fewer social problems landing in clinical appointments."),
    (1, "discharge", "People wait in hospital beds for days because the care package is not ready."),
    (1, "discharge", "Discharge planning starts far too late, often on the day the consultant says they are fit to go."),
    (1, "discharge", "Home care capacity collapses every winter and everybody acts surprised."),
    (1, "discharge", "Wards do not know what the community can offer, so they default to a care home placement."),
    (1, "discharge", "Families hear about discharge at the last minute and cannot prepare the home."),
    (1, "discharge", "Equipment deliveries are a bottleneck: a bed or a hoist can take a week."),
    (2, "discharge", "Start discharge planning on admission, with the community team in the conversation."),
    (2, "discharge", "Run a trusted assessor model so one assessment is accepted by every partner."),
    (2, "discharge", "Keep a small pool of bridging carers who can start the same day."),
    (2, "discharge", "Put a voluntary sector 'home from hospital' worker on every ward for older people."),
    (2, "discharge", "Share a live view of community capacity with the hospital discharge hub."),
    (2, "discharge", "Pre-order standard equipment so it is at home before the patient is."),
    (3, "discharge", "Delayed discharges fall, and stay down through the winter."),
    (3, "discharge", "Fewer people readmitted within thirty days."),
    (3, "discharge", "People go home rather than to a care home when that is what they wanted."),
    (3, "discharge", "Families say they felt involved in planning the discharge."),
    (3, "discharge", "Equipment arrives within 24 hours of discharge in nine cases out of ten."),
    (3, "discharge", "Ward staff can name the community services available in their patients' neighbourhoods."),
    (1, "prevention", "Almost all the money goes to crisis, very little to keeping people well."),
    (1, "prevention", "Lunch clubs, walking groups and faith groups do huge preventive work and nobody counts it."),
    (1, "prevention", "Loneliness drives GP visits but there is no prescription for it."),
    (1, "prevention", "Community groups get one-year grants and spend a quarter of their time writing bids."),
    (1, "prevention", "Services do not know what exists locally because the directory is always out of date."),
    (1, "prevention", "Prevention is nobody's job, so it is the first thing cut."),
    (2, "prevention", "Fund social prescribing link workers in every neighbourhood, with a budget for activities."),
    (2, "prevention", "Give small community groups three-year grants with light-touch reporting."),
    (2, "prevention", "Build a living directory of local groups that residents and staff can both update."),
    (2, "prevention", "Spend a fixed share of the neighbourhood budget on prevention and protect it."),
    (2, "prevention", "Train frontline staff to have a 'what matters to you' conversation."),
    (2, "prevention", "Open council buildings in the evenings to community groups at no cost."),
    (3, "prevention", "More residents are connected to a group or activity six months after referral."),
    (3, "prevention", "Community groups spend less time on bids and more on people."),
    (3, "prevention", "Fewer people say they are lonely in the resident survey."),
    (3, "prevention", "The prevention budget survives a difficult budget round intact."),
    (3, "prevention", "GPs refer to community groups as routinely as they refer to physiotherapy."),
    (3, "prevention", "Falls admissions among over-75s come down."),
    (1, "workforce", "We are all fishing in the same small pool of care workers and outbidding each other."),
    (1, "workforce", "Care workers are paid less than supermarket staff for harder, more skilled work."),
    (1, "workforce", "Job descriptions stop people doing the sensible thing: a carer cannot give eye drops."),
    (1, "workforce", "Agency staff fill the gaps but never get to know the residents."),
    (1, "workforce", "Burnout is high and nobody has time to join anything new."),
    (1, "workforce", "Volunteers are keen, but training and DBS checks take months."),
    (2, "workforce", "Create a joint support worker role that works across health and social care tasks."),
    (2, "workforce", "Run shared induction and training for everyone working in a neighbourhood, whatever their employer."),
    (2, "workforce", "Agree a fair pay floor for commissioned care work across the partnership."),
    (2, "workforce", "Stop competing for staff: one joint recruitment campaign for care careers in the borough."),
    (2, "workforce", "Fast-track volunteer checks with a passport every partner recognises."),
    (2, "workforce", "Protect time for staff to take part in the neighbourhood huddle."),
    (3, "workforce", "Care worker vacancies and turnover both fall."),
    (3, "workforce", "Staff from different employers train together and say it changed how they work."),
    (3, "workforce", "Residents see fewer different faces each week."),
    (3, "workforce", "Volunteers start within four weeks of applying."),
    (3, "workforce", "Agency spend falls across the partnership."),
    (3, "workforce", "Staff wellbeing scores improve in the annual survey."),
    (1, "money", "Budgets are split between organisations, so each one protects its own bottom line."),
    (1, "money", "Savings in the hospital budget come from spending in social care, and nobody shares them."),
    (1, "money", "Commissioning cycles are annual; change takes years."),
    (1, "money", "Contracts pay per visit, so providers are rewarded for tasks, not outcomes."),
    (1, "money", "Voluntary sector contracts are small, short and heavily monitored."),
    (1, "money", "Every partner reports to a different regulator with different targets."),
    (2, "money", "Pool a neighbourhood budget across NHS and council and let the team decide how to spend it."),
    (2, "money", "Commission for the outcomes residents say matter, not for minutes of care."),
    (2, "money", "Agree a shared savings deal so money saved in hospital flows back to community services."),
    (2, "money", "Move to five-year commissioning for preventive and voluntary sector services."),
    (2, "money", "Use one simple shared reporting template instead of five."),
    (2, "money", "Set aside an innovation fund frontline teams can bid into in a week, not six months."),
    (3, "money", "A pooled budget exists and the neighbourhood team decides how a share of it is spent."),
    (3, "money", "Contracts are measured on outcomes residents chose."),
    (3, "money", "Money saved in hospital is visibly reinvested in the community."),
    (3, "money", "Voluntary sector partners hold contracts of three years or more."),
    (3, "money", "Reporting time for providers has halved."),
    (3, "money", "Frontline ideas funded from the innovation fund are still running."),
    (1, "digital", "Services went digital-first and left behind people without smartphones or data."),
    (1, "digital", "Online GP booking is a barrier for older residents and people with limited English."),
    (1, "digital", "Staff use three logins and a fax machine to organise one care package."),
    (1, "digital", "Remote monitoring kit sits in cupboards because nobody set it up with the resident."),
    (1, "digital", "The Wi-Fi in some of our community buildings does not work."),
    (2, "digital", "Keep a phone and face-to-face route into every service: digital as well as, never instead of."),
    (2, "digital", "Lend tablets with data to residents, with a volunteer to help them get started."),
    (2, "digital", "Train digital champions in libraries and community centres."),
    (2, "digital", "Give staff a single sign-on to the systems they need."),
    (2, "digital", "Test every new digital service with residents who find technology hard."),
    (3, "digital", "Residents without internet access report the same satisfaction as everyone else."),
    (3, "digital", "Digital champions are active in every neighbourhood."),
    (3, "digital", "Staff spend less time logging in and more time with residents."),
    (3, "digital", "Remote monitoring kit is in use, not in cupboards."),
    (3, "digital", "Fewer missed appointments from people who could not book online."),
    (1, "voice", "Residents are consulted after decisions are made, not before."),
    (1, "voice", "The people who use services most are the least likely to come to engagement events."),
    (1, "voice", "We ask people what they think and never tell them what we did with it."),
    (1, "voice", "Carers are treated as a resource, not as people with needs of their own."),
    (1, "voice", "People from minority communities do not see themselves in our services or our workforce."),
    (2, "voice", "Pay residents with lived experience to sit on the neighbourhood board."),
    (2, "voice", "Go where people already are (the mosque, the school gate, the bingo) instead of holding events."),
    (2, "voice", "Publish 'you said, we did' every quarter in plain English and community languages."),
    (2, "voice", "Offer every unpaid carer a carer's conversation and a named contact."),
    (2, "voice", "Co-design the neighbourhood team's first priorities with residents."),
    (3, "voice", "Residents helped choose the priorities and can name what changed because of them."),
    (3, "voice", "Unpaid carers say they feel recognised and supported."),
    (3, "voice", "The neighbourhood board includes residents who reflect the community."),
    (3, "voice", "'You said, we did' has been published every quarter without a gap."),
    (3, "voice", "More people from minority communities use preventive services."),
    (3, None, "Could we learn from the areas that already did this rather than starting from scratch?"),
    (1, None, "Transport to appointments is a hidden barrier nobody has mentioned yet."),
    (1, None, "Housing is health: damp flats are making children ill."),
    (2, None, "Mental health needs to be in this conversation, not a separate one."),
    (2, None, "Community pharmacists are an untapped part of the neighbourhood team."),
    (3, None, "What happens to all of this when the leadership changes?"),
    (3, None, "We need a shared outcome framework before anything else."),
    (2, None, "Schools see family pressures first. Can they be part of this?"),
]
# fmt: on
HIDDEN = [
    (1, "This is just another reorganisation and a waste of everyone's time!!!"),
    (2, "test test"),
    (1, "Whoever runs the discharge team at the hospital is useless."),
]
HELD = (1, "Ring Mrs Patel on 07700 900456, she will tell you how bad it is", "a phone number")
FEATURED = [
    "Residents tell their story again and again — one woman counted eleven assessments in a year.",
    "Hold a weekly huddle per neighbourhood where anyone can bring a resident they are worried about.",
    "Pool a neighbourhood budget across NHS and council and let the team decide how to spend it.",
    "Put a voluntary sector 'home from hospital' worker on every ward for older people.",
    "Residents know one number to call, and who will answer it.",
]
NOTE = (
    "Thank you to everyone who took part on 12 March. The themes every sector backed (see the bridging themes) "
    "go to the partnership board in April as our first joint commitments.\n"
    "We meet again in June to check progress against the signs of success in round 3."
)
START = datetime(2026, 3, 12, 10, 0, tzinfo=ZoneInfo("Europe/London"))
ROUND_STARTS = {
    1: START + timedelta(minutes=5),
    2: START + timedelta(minutes=45),
    3: START + timedelta(minutes=95),
}


def at(moment):
    return moment.isoformat()


def demo_document(seed=2026):
    """The demo inquiry after the event, as an export document (docs/exports.md)."""
    posts = [(r, t, text, "visible", "") for r, t, text in CONTRIBUTIONS]
    return _document(random.Random(seed), PEOPLE, THEMES, posts, phase=None)


def event_document(seed=2026, phase="gather"):
    """The demo inquiry at event size, in the middle of its last round (``phase``: gather or vote; map: the
    closing next-steps round with the systems map on the shared screen; closed: after the event): 100
    participants, 300 cards in 12 themes and about 20 the facilitators have not yet placed."""
    themes = {**THEMES, **event_cards.MORE_THEMES}
    posts = [(r, EVENT_PLACES.get(text, t), text, "visible", "") for r, t, text in CONTRIBUTIONS]
    posts += [(r, t, text, "visible", "") for r, t, text in event_cards.MORE_CARDS]
    posts += [(3, None, text, "visible", "latest") for text in event_cards.UNSORTED]
    # "closed": the event is over (every round closed, both votes revealed, the map and the next steps).
    after = phase == "closed"
    return _document(random.Random(seed), EVENT_PEOPLE, themes, posts, phase=None if after else phase)


def _document(rng, head_count, themes, posts, phase):
    """``posts``: (round number, theme key or None, text, status, reason): a "latest" reason marks the
    last cards of a live round. ``phase``: None for an inquiry after the event (every round closed, two
    votes revealed), else the phase its last round is in."""
    people, names = [], iter(NAMES)
    for sector, count in head_count.items():
        for _ in range(count):
            name = next(names, "") if rng.random() < 0.85 else ""
            people.append(
                {
                    "sector": sector,
                    "display_name": name,
                    "removed": False,
                    "joined": at(START - timedelta(minutes=5) + timedelta(seconds=rng.randint(0, 600))),
                }
            )
    rng.shuffle(people)
    for index, person in enumerate(people, 1):
        person["ref"] = f"p{index}"
    people.sort(key=lambda p: p["joined"])
    by_sector = {s: [p["ref"] for p in people if p["sector"] == s] for s in SECTORS}
    sector_of = {p["ref"]: SECTORS.index(p["sector"]) for p in people}

    def author_for(theme):
        weights = themes[theme][2] if theme else (1, 1, 1, 1)
        sizes = [weight * head_count[sector] for weight, sector in zip(weights, SECTORS, strict=True)]
        return rng.choice(by_sector[rng.choices(SECTORS, weights=sizes)[0]])

    cards, positions = [], {}
    posts = posts + [(r, None, text, "hidden", "") for r, text in HIDDEN]
    posts.append((HELD[0], None, HELD[1], "held", HELD[2]))
    for index, (number, theme, text, status, reason) in enumerate(posts):
        position = positions[theme] = positions.get(theme, -1) + 1
        if reason == "latest":  # the last minutes of the live round
            created = ROUND_STARTS[number] + timedelta(seconds=1500 + 10 * index % 300)
            reason = ""
        else:
            created = ROUND_STARTS[number] + timedelta(seconds=rng.randint(0, 1500))
        cards.append({
            "ref": f"c{index + 1}", "round": f"r{number}", "theme": f"t{list(themes).index(theme) + 1}" if theme else None,
            "author": author_for(theme), "text": text, "status": status, "held_reason": reason, "silent": False,
            "featured": phase is None and text in FEATURED, "position": position, "created": at(created),
            "edited": at(created + timedelta(seconds=40)) if rng.random() < 0.08 else None,
        })  # fmt: skip
    cards.sort(key=lambda c: c["created"])
    theme_key = {f"t{i + 1}": key for i, key in enumerate(themes)}

    def liking(ref, card_or_theme):
        key = theme_key.get(card_or_theme)
        return themes[key][2][sector_of[ref]] if key else 1

    votes = [VOTES[0], VOTES[1]] if phase is None else [OPEN_VOTE] if phase == "vote" else []
    dots, reactions = [], []
    vote_time = {"v1": START + timedelta(minutes=75), "v2": START + timedelta(minutes=125)}
    for person in people:
        ref = person["ref"]
        if votes and rng.random() < (0.9 if phase is None else 0.6):  # the theme vote: three dots
            for theme in _pick(rng, list(theme_key), [liking(ref, t) ** 2 for t in theme_key], 3):
                dots.append(
                    {
                        "vote": "v1",
                        "participant": ref,
                        "card": None,
                        "theme": theme,
                        "created": at(vote_time["v1"] + timedelta(seconds=rng.randint(0, 240))),
                    }
                )
        ideas = [c for c in cards if c["round"] == "r2" and c["status"] == "visible"]
        if phase is None and rng.random() < 0.85:  # the idea vote: three dots on round 2's ideas
            for card in _pick(rng, ideas, [liking(ref, c["theme"]) ** 2 for c in ideas], 3):
                dots.append(
                    {
                        "vote": "v2",
                        "participant": ref,
                        "card": card["ref"],
                        "theme": None,
                        "created": at(vote_time["v2"] + timedelta(seconds=rng.randint(0, 240))),
                    }
                )
        visible = [c for c in cards if c["status"] == "visible"]
        for card in _pick(rng, visible, [liking(ref, c["theme"]) for c in visible], rng.randint(1, 6)):
            moment = datetime.fromisoformat(card["created"]) + timedelta(seconds=rng.randint(30, 900))
            reactions.append({"card": card["ref"], "participant": ref, "created": at(moment)})
    dots.sort(key=lambda d: d["created"])
    reactions.sort(key=lambda r: r["created"])
    rounds = [
        {
            "ref": f"r{i}",
            "position": i - 1,
            "question": q,
            "guidance": g,
            "phase": "closed" if phase in (None, "map") or i < len(ROUNDS) else phase,
        }
        for i, (q, g) in enumerate(ROUNDS, 1)
    ]
    if phase == "map":  # the close: a next-steps round, the map on the shared screen
        rounds.append({"ref": "r4", "position": 3, "phase": "gather", "kind": "next_steps", **CLOSING})
    mapped = phase in (None, "map")
    document, steps, signups = event_map.map_parts(
        rng, themes, people, ROUND_STARTS[3] + timedelta(minutes=35), "r4" if phase == "map" else None,
        on_screen=phase == "map",
    ) if mapped else ({}, [], [])  # fmt: skip
    return {
        "format": exports.FORMAT,
        "version": exports.VERSION,
        "inquiry": {
            "title": "Wrapping health and care around each resident",
            "question": "How might health and care wrap around each resident?",
            "sectors": SECTORS,
            "show_names": False,
            "k_threshold": 3,
            "premoderation": False,
            "safeguarding": True,
            "harvest_note": NOTE if phase is None else "",
            "current_round": "r4" if phase == "map" else "r3",
        },  # fmt: skip
        "rounds": rounds,
        "participants": people,
        "themes": [
            {
                "ref": f"t{i}",
                "name": name,
                "colour": colour,
                "position": i - 1,
                "created": at(START + timedelta(minutes=30 + i)),
            }
            for i, (name, colour, _) in enumerate(themes.values(), 1)
        ],  # fmt: skip
        "cards": cards,
        "votes": [{**vote, "created": at(vote_time[vote["ref"]])} for vote in votes],
        "dots": dots,
        "reactions": reactions,
        "map": document,
        "next_steps": steps,
        "signups": signups,
    }


# The after-event demo's votes: one on themes (round 2), one on round 2's ideas (round 3).
VOTES = [
    {"ref": "v1", "round": "r2", "target": "themes", "budget": 3, "per_item": 1, "live_results": False,
     "revealed": True, "is_open": False},
    {"ref": "v2", "round": "r3", "target": "cards", "budget": 3, "per_item": 1, "live_results": False,
     "revealed": True, "is_open": False},
]  # fmt: skip
# The event-size demo in its vote phase: the theme vote open, results hidden, most of the room voted.
OPEN_VOTE = {**VOTES[0], "round": None, "opened_in": "r3", "revealed": False, "is_open": True}


def _pick(rng, items, weights, count):
    """``count`` different items, drawn by weight."""
    items, weights, chosen = list(items), list(weights), []
    while items and len(chosen) < count:
        index = rng.choices(range(len(items)), weights=weights)[0]
        chosen.append(items.pop(index))
        weights.pop(index)
    return chosen


def create_sample(user, *, event_size=True, phase="gather", seed=2026, title=None):
    """The demo inquiry, imported for ``user`` (``title``: instead of the demo's own). At event size the
    room has joined (the presenter's join panel in its corner); ``phase`` "closed": closed, ready to harvest.
    Raises exports.ImportProblem if the document does not import."""
    document = event_document(seed, phase) if event_size else demo_document(seed)
    if title:
        document["inquiry"]["title"] = title
    inquiry = exports.import_inquiry(user, document)
    if event_size:
        # The room has joined: the presenter's join panel has gone to its corner (the facilitator's
        # "People have joined" button; a fresh inquiry starts with it large).
        inquiry.join_in_corner = True
        inquiry.save(update_fields=["join_in_corner"])
    if event_size and phase == "closed":
        # After the event: closed as the facilitator closes it (Your data → Close), ready to harvest.
        close_inquiry(Actor(FACILITATOR, inquiry.pk, user_id=user.pk))
    return inquiry
