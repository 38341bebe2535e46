"""The words of synthetic data: reports' questions and prose, areas for improvement, notes.

Each function draws from the random stream it is given, in a fixed order, so that a seed
always gives the same text.
"""

from __future__ import annotations

from tracker.models import Grade, Pillar

PILLAR_QUESTIONS = {
    Pillar.EFFECTIVENESS: (
        "How effective is the force at keeping people safe and reducing crime?",
        [
            "How effective is the force at preventing crime, tackling anti-social behaviour "
            "and keeping people safe?",
            "How effective is the force at investigating crime and reducing re-offending?",
            "How effective is the force at protecting those who are vulnerable from harm, "
            "and supporting victims?",
            "How effective is the force at tackling serious and organised crime?",
            "How effective are the force's specialist capabilities?",
        ],
    ),
    Pillar.EFFICIENCY: (
        "How efficient is the force at keeping people safe and reducing crime?",
        [
            "How well does the force understand demand?",
            "How well does the force use its resources to meet demand?",
            "How well is the force planning for demand in the future?",
            "How well does the force work with partners to reduce demand?",
            "How efficiently does the force manage its workforce?",
        ],
    ),
    Pillar.LEGITIMACY: (
        "How legitimate is the force at keeping people safe and reducing crime?",
        [
            "To what extent does the force treat all of the people it serves with fairness "
            "and respect?",
            "How well does the force ensure that its workforce behaves ethically and lawfully?",
            "To what extent does the force treat its workforce with fairness and respect?",
            "How well does the force use stop and search powers?",
            "How well does the force handle complaints from the public?",
        ],
    ),
    Pillar.LEADERSHIP: (
        "How well led is the force?",
        [
            "How well does the force understand and develop its leaders?",
            "How well does the force display leadership?",
            "How well does the force promote an ethical culture?",
            "How well does the force manage change?",
            "How well does the force listen to its workforce?",
        ],
    ),
}
# A published report's text, at the sizes of the sample (data/reports/): the page as imported
# about 11,000 characters, the summary about 2,700 and each question's narrative about 1,300.
# Pages that join a report or a question read these with every row, so the benchmark must too.
SOURCE_TEXT_LENGTH = 11_000
SUMMARY_LENGTH = 2_700
NARRATIVE_LENGTH = 1_300
REPORT_SENTENCES = [
    "The force has a good understanding of the demand it faces.",
    "Leaders have set clear priorities that the workforce understands.",
    "Neighbourhood officers work with partner organisations to solve local problems.",
    "The force could do more to evaluate whether its approach is working.",
    "Investigations are generally thorough, but supervision is not always consistent.",
    "Vulnerable people are identified at the first point of contact in most cases.",
    "Call handlers use a structured assessment of threat, harm and risk.",
    "Officers we spoke to understood the importance of keeping victims informed.",
    "Some investigations were delayed because digital devices were not examined quickly.",
    "The force works well with the local authority to safeguard children.",
    "We found that the force's use of stop and search is fair and effective.",
    "Workforce wellbeing has improved since our last inspection.",
    "Multi-agency arrangements for managing offenders are well established.",
    "The force has invested in training for specialist investigators.",
    "Performance is scrutinised regularly at a senior level.",
]
GRADE_WEIGHTS = {
    Grade.OUTSTANDING: 3,
    Grade.GOOD: 45,
    Grade.ADEQUATE: 8,
    Grade.REQUIRES_IMPROVEMENT: 32,
    Grade.INADEQUATE: 7,
    Grade.UNGRADED: 5,
}
AFI_SUBJECTS = ["The force", "The constabulary", "The force's leadership", "Senior leaders"]
AFI_VERBS = [
    "should ensure that",
    "needs to improve how",
    "should review how",
    "should make sure that",
    "needs to understand how",
]
AFI_OBJECTS = [
    "crime is allocated to appropriately skilled investigators",
    "vulnerability is identified at the first point of contact",
    "digital evidence is retrieved from devices quickly",
    "supervisors review case files consistently",
    "victims are kept informed about their case",
    "missing children are risk-assessed and safeguarded",
    "domestic abuse cases are managed and supervised",
    "multi-agency safeguarding hub referrals are dealt with promptly",
    "neighbourhood teams carry out structured problem solving",
    "stop and search records show reasonable grounds",
    "body-worn video is used when force is used",
    "it understands the demand it faces now and in the future",
    "workforce wellbeing is monitored and supported",
    "complaints are recorded and resolved in time",
    "integrated offender management engages all partners",
]
AFI_PURPOSES = [
    "so that victims receive an effective service.",
    "so that good practice can be replicated in other areas.",
    "to keep vulnerable people safe.",
    "so that investigations are not delayed.",
    "so that the public can have confidence in the force.",
    "and that this is regularly evaluated.",
]
NOTE_OPENINGS = [
    "Reviewed {n} case files",
    "Audit of {n} crime reports completed",
    "Training delivered to {n} officers and staff",
    "New process adopted force-wide; {n} plans reviewed",
    "Dip sample of {n} stop and search records",
    "Met with the MASH partners, {n} referrals checked",
    "Performance board considered {n} cases",
    "Problem-solving plans in place for {n} neighbourhoods",
    "Body-worn video checked in {n} use-of-force incidents",
    "Victim satisfaction survey: {n} responses",
]
NOTE_FINDINGS = [
    "supervision is now recorded in {p}% of files.",
    "compliance has risen to {p}%.",
    "the backlog fell by {p}% since the last review.",
    "victims were updated within the target in {p}% of cases.",
    "grounds were recorded as reasonable in {p}% of searches.",
    "repeat demand from the top 20 locations fell by {p}%.",
]
# Named operations and places give searches a realistic spread: one name is in about 1 note
# in 150, the way a real search term is rare, unlike the stock phrases above.
OPERATIONS = [
    "Kestrel",
    "Falcon",
    "Heron",
    "Curlew",
    "Merlin",
    "Osprey",
    "Plover",
    "Wren",
    "Lapwing",
    "Nightjar",
    "Bittern",
    "Avocet",
    "Dunlin",
    "Fulmar",
    "Gannet",
    "Goshawk",
    "Harrier",
    "Jackdaw",
    "Kittiwake",
    "Linnet",
    "Magpie",
    "Oriole",
    "Peregrine",
    "Puffin",
    "Raven",
    "Redwing",
    "Shrike",
    "Siskin",
    "Skylark",
    "Starling",
    "Swift",
    "Teal",
    "Tern",
    "Thrush",
    "Turnstone",
    "Warbler",
    "Whimbrel",
    "Woodcock",
    "Yellowhammer",
    "Bullfinch",
    "Chiffchaff",
    "Dipper",
    "Egret",
    "Firecrest",
    "Grebe",
    "Hobby",
    "Ibis",
    "Kingfisher",
    "Lark",
    "Martin",
    "Nuthatch",
    "Pipit",
    "Quail",
    "Rook",
    "Sanderling",
    "Stonechat",
    "Treecreeper",
    "Wagtail",
    "Waxwing",
    "Goldcrest",
]
PLACES = [
    "Preston",
    "Blackburn",
    "Burnley",
    "Lancaster",
    "Chorley",
    "Maidstone",
    "Canterbury",
    "Dover",
    "Leeds",
    "Bradford",
    "Wakefield",
    "Halifax",
    "Cardiff",
    "Swansea",
    "Newport",
    "Carlisle",
    "Kendal",
    "Exeter",
    "Plymouth",
    "Truro",
]
NOTE_NEXT = [
    "Next review due at the quarterly board.",
    "The chief superintendent has signed off the new policy.",
    'Staff describe the change as "clearer and quicker".',
    "Costs, £{n}k so far, are within the agreed budget.",
    "Outcome data to follow from the analyst team.",
    "Partners (health, education, social care) have agreed the protocol.",
    "- action plan updated\n- owner briefed\n- risks reviewed",
    "=SUM(A1:A3) appears in the exported spreadsheet, as a test of formula neutralisation.",
    "Detective Sergeant O’Neill leads the work – see the attached plan.",
]
BLOCKED_REASONS = [
    "Waiting for the national ICT programme to deliver the new records system.",
    "Depends on the regional organised crime unit's review.",
    "Awaiting Home Office guidance on the new data standard.",
    "Waiting for the local authority to agree the joint protocol.",
]
REASONS = {
    "assure": "Checked by the force lead: the evidence shows the change, ready for HMICFRS.",
    "close": "Evidence shows the change is embedded and having an impact.",
    "supersede": "Superseded by a recommendation in the later inspection.",
    "revise": "The new system's delivery date moved; plan agreed with HMICFRS.",
}
FIRST_NAMES = [
    "Sam",
    "Alex",
    "Jo",
    "Priya",
    "Tom",
    "Aisha",
    "Ben",
    "Chloe",
    "Dan",
    "Erin",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Khan",
    "Evans",
    "Patel",
    "Wilson",
    "O'Brien",
    "Davies",
    "Hughes",
    "Ali",
]


def prose(rng, length: int) -> str:
    """Sentences of a report, about `length` characters of them."""
    sentences, size = [], 0
    while size < length:
        sentence = rng.choice(REPORT_SENTENCES)
        sentences.append(sentence)
        size += len(sentence) + 1
    return " ".join(sentences)


def grade(rng) -> str:
    return rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]


def area_for_improvement(rng) -> str:
    return " ".join(
        [
            rng.choice(AFI_SUBJECTS),
            rng.choice(AFI_VERBS),
            rng.choice(AFI_OBJECTS),
            rng.choice(AFI_PURPOSES),
        ]
    )


def note_body(rng) -> str:
    opening = rng.choice(NOTE_OPENINGS).format(n=rng.randint(5, 400))
    body = f"{opening}: {rng.choice(NOTE_FINDINGS).format(p=rng.randint(40, 99))}"
    if rng.random() < 0.6:
        body += " " + rng.choice(NOTE_NEXT).format(n=rng.randint(5, 250))
    if rng.random() < 0.15:
        body += "\n\n" + rng.choice(NOTE_FINDINGS).format(p=rng.randint(40, 99)).capitalize()
    if rng.random() < 0.4:
        body += f" Operation {rng.choice(OPERATIONS)} in {rng.choice(PLACES)}."
    return body
