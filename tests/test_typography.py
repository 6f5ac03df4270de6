"""French typography rules: the table every candidate library was measured against.

`CASES` is also read by `tests/bench/compare_typography.py`; each row is
(name, input, expected), input and expected being HTML fragments as Python-Markdown
writes them (or a plain title). NB is U+00A0, NN is U+202F.
"""

import pytest

from french_typography import plain_text, typographize
from french_typography.french_typography import (
    FrenchTypographySettingsError,
    TypographySettings,
    _transform,
)

NB = "\u00a0"
NN = "\u202f"

CASES = [
    # Spaces before the high punctuation
    ("question mark after a space", "Pourquoi ?", f"Pourquoi{NN}?"),
    ("question mark glued to the word", "Pourquoi?", f"Pourquoi{NN}?"),
    ("exclamation mark", "Enfin !", f"Enfin{NN}!"),
    ("semicolon", "d’abord ; ensuite", f"d’abord{NN}; ensuite"),
    ("colon after a space", "Attention : danger", f"Attention{NB}: danger"),
    ("colon glued to the word", "Attention: danger", f"Attention{NB}: danger"),
    ("colon ending a line", "Au programme :", f"Au programme{NB}:"),
    ("two marks stay together", "Vraiment ?!", f"Vraiment{NN}?!"),
    ("wrong kind of space is replaced", f"Oui{NB}?", f"Oui{NN}?"),
    ("several spaces collapse", "Oui  ?", f"Oui{NN}?"),
    ("question mark in brackets is left alone", "une date (?) incertaine", "une date (?) incertaine"),
    # Guillemets and quotes
    ("guillemets with spaces", "« Bonjour »", f"«{NB}Bonjour{NB}»"),
    ("guillemets without spaces", "«Bonjour»", f"«{NB}Bonjour{NB}»"),
    ("straight double quotes become guillemets", 'Il dit "bonjour".', f"Il dit «{NB}bonjour{NB}»."),
    ("quote opening right after a colon", 'Il a dit:"oui"', f"Il a dit{NB}:«{NB}oui{NB}»"),
    ("question inside quotes", 'Il demande "pourquoi ?"', f"Il demande «{NB}pourquoi{NN}?{NB}»"),
    ("question after quotes", '"Oui" ? Non !', f"«{NB}Oui{NB}»{NN}? Non{NN}!"),
    ("quotes around an inline tag", '"<em>Bonjour</em>"', f"«{NB}<em>Bonjour</em>{NB}»"),
    ("apostrophe", "l'hôpital d'Avranches", "l’hôpital d’Avranches"),
    ("apostrophe inside a word", "aujourd'hui", "aujourd’hui"),
    ("apostrophe before an inline tag", "l'<em>hôpital</em>", "l’<em>hôpital</em>"),
    # Numbers, units, ordinals
    ("percent after a space", "50 %", f"50{NB}%"),
    ("percent glued to the number", "50%", f"50{NB}%"),
    ("euro", "12 € et 3€", f"12{NB}€ et 3{NB}€"),
    ("thousands separator", "400 000 personnes", f"400{NN}000 personnes"),
    ("a year before a number is not a thousand", "en 2026 200 lits", "en 2026 200 lits"),
    ("ellipsis", "Et puis...", "Et puis…"),
    ("1er is already right", "le 1er janvier", "le 1er janvier"),
    ("1ère becomes 1re", "la 1ère fois", "la 1re fois"),
    ("plural 1ères becomes 1res", "les 1ères années", "les 1res années"),
    ("2ème becomes 2e", "le 2ème étage et le 3eme", "le 2e étage et le 3e"),
    ("plural 2èmes becomes 2es", "les 2èmes années", "les 2es années"),
    ("roman century", "le XXIème siècle", "le XXIe siècle"),
    ("2nde becomes 2de", "la 2nde vague", "la 2de vague"),
    ("time keeps its colon", "à 10:30 précises", "à 10:30 précises"),
    ("ratio keeps its colon", "un ratio 3:2", "un ratio 3:2"),
    # What must not change
    ("inline code is left alone", "Tapez <code>x: 1 ; y</code> !", f"Tapez <code>x: 1 ; y</code>{NN}!"),
    ("pre and code blocks are left alone", "<pre><code>l'a ? b</code></pre><p>b ?</p>",
     f"<pre><code>l'a ? b</code></pre><p>b{NN}?</p>"),
    ("kbd is left alone", "<kbd>Ctrl:C</kbd> : copier", f"<kbd>Ctrl:C</kbd>{NB}: copier"),
    ("script is left alone", "<script>if (a) { b = 'x'; }</script>", "<script>if (a) { b = 'x'; }</script>"),
    ("style is left alone", "<style>a:hover{color:red;}</style>", "<style>a:hover{color:red;}</style>"),
    ("upper-case skipped tag", "<CODE>a ?</CODE> b ?", f"<CODE>a ?</CODE> b{NN}?"),
    ("attributes are left alone", '<a href="https://x.fr/?a=1&amp;b=2" title="Oui ?">lien</a> !',
     f'<a href="https://x.fr/?a=1&amp;b=2" title="Oui ?">lien</a>{NN}!'),
    ("image alt attribute is left alone", '<img alt="Photo : l\'équipe" src="a.png">',
     '<img alt="Photo : l\'équipe" src="a.png">'),
    ("URL in the text", "Voir https://pouls.example.fr/a?b=1 !", f"Voir https://pouls.example.fr/a?b=1{NN}!"),
    ("e-mail address", "Écrire à redaction@pouls.example.fr : merci",
     f"Écrire à redaction@pouls.example.fr{NB}: merci"),
    ("mailto link text", "mailto:redaction@pouls.example.fr", "mailto:redaction@pouls.example.fr"),
    ("entity keeps its semicolon", "Tom &amp; Jerry ; fin", f"Tom &amp; Jerry{NN}; fin"),
    ("nbsp entity becomes the character", "Oui&nbsp;: non&#8239;!", f"Oui{NB}: non{NN}!"),
    ("HTML comment is left alone", "<!-- a : b -->Oui ?", f"<!-- a : b -->Oui{NN}?"),
    ("mark right after an inline tag", "<em>Vraiment</em>?", f"<em>Vraiment</em>{NN}?"),
    ("less-than sign in a title is text", "taux < 5 % ?", f"taux < 5{NB}%{NN}?"),
    ("already right text is unchanged", f"Déjà{NN}? Oui{NB}: «{NB}bien{NB}».", f"Déjà{NN}? Oui{NB}: «{NB}bien{NB}»."),
    ("a whole paragraph", "<p>Le CHU l'a dit : « c'est fini » !</p>",
     f"<p>Le CHU l’a dit{NB}: «{NB}c’est fini{NB}»{NN}!</p>"),
]


@pytest.mark.parametrize("name, text, expected", CASES, ids=[case[0] for case in CASES])
def test_typography_table(name, text, expected):
    assert typographize(text) == expected


@pytest.mark.parametrize("name, text, expected", CASES, ids=[case[0] for case in CASES])
def test_typography_is_idempotent(name, text, expected):
    assert typographize(typographize(text)) == typographize(text)


def test_table_is_large_enough():
    # The issue asks for at least 30 cases before choosing how to typograph.
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


def test_output_never_holds_an_nbsp_entity():
    text = "<p>Oui&nbsp;: «&nbsp;non&nbsp;» et 3&#160;% puis&#x202F;?</p>"
    result = typographize(text)
    assert "&nbsp;" not in result and "&#" not in result
    assert result == f"<p>Oui{NB}: «{NB}non{NB}» et 3{NB}% puis{NN}?</p>"


def test_empty_and_none_like_input_pass_through():
    assert typographize("") == ""
    assert typographize("Sans ponctuation") == "Sans ponctuation"


def test_custom_skip_tags_protect_other_elements():
    assert typographize("<span>a ?</span>", skip_tags=("span",)) == "<span>a ?</span>"
    assert typographize("<span>a ?</span>") == f"<span>a{NN}?</span>"


def test_unpaired_straight_quote_is_reported_with_its_context():
    _, excerpt = _transform('Le médecin dit "il faut venir tôt.', ("code",))
    assert excerpt is not None and '"il faut' in excerpt
    _, excerpt = _transform('Le médecin dit "oui" puis "non".', ("code",))
    assert excerpt is None


def test_quotes_inside_attributes_and_code_are_not_counted():
    _, excerpt = _transform('<a href="x" title="y">lien</a> <code>"</code>', ("code",))
    assert excerpt is None


def test_plain_text_keeps_no_break_spaces_unlike_striptags():
    from markupsafe import Markup

    html = f"<p>L’équipe répond{NB}: <em>oui</em>{NN}!\n  Vraiment.</p>"
    assert plain_text(html) == f"L’équipe répond{NB}: oui{NN}! Vraiment."
    # The reason the filter exists: Jinja's striptags folds them into plain spaces.
    assert Markup(html).striptags() == "L’équipe répond : oui ! Vraiment."


def test_plain_text_decodes_entities_and_handles_none():
    assert plain_text("Tom &amp; Jerry") == "Tom & Jerry"
    assert plain_text(None) == ""


@pytest.mark.parametrize(
    "settings, quoted",
    [
        ({"FRENCH_TYPOGRAPHY_ENABLED": "yes"}, "'yes'"),
        ({"FRENCH_TYPOGRAPHY_SKIP_TAGS": "code"}, "'code'"),
        ({"FRENCH_TYPOGRAPHY_SKIP_TAGS": ["code", "<pre>"]}, "'<pre>'"),
        ({"FRENCH_TYPOGRAPHY_METADATA_FIELDS": "imagealt"}, "'imagealt'"),
        ({"FRENCH_TYPOGRAPHY_METADATA_FIELDS": ["ImageAlt"]}, "'ImageAlt'"),
    ],
)
def test_bad_settings_are_rejected_quoting_the_value(settings, quoted):
    with pytest.raises(FrenchTypographySettingsError) as error:
        TypographySettings.from_settings(settings)
    message = str(error.value)
    assert message.startswith("french_typography: FRENCH_TYPOGRAPHY_")
    assert quoted in message


def test_default_settings_are_valid():
    config = TypographySettings.from_settings({})
    assert config.enabled is True
    assert "code" in config.skip_tags and "pre" in config.skip_tags
