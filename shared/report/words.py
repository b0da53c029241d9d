"""The report's words and number formats in English and French. Standard library only.

The report is built once per language: every sentence, title, header and note goes through
:func:`t`, and every number through :func:`decimal`/:func:`pct`, so the French copy has the
decimal comma and French spacing (a no-break space before ``:``, ``?``, ``;``, ``!`` and ``%``,
as the Office québécois de la langue française and the Imprimerie nationale's *Lexique des
règles typographiques* ask) everywhere, the CSV's headers aside (they stay machine names).

Texts from the form definitions (question and choice labels) come from ``forms/*.yaml``;
everything else the report says is here, each message in both languages
(tests/test_report_language.py checks that none is missing).
"""

from __future__ import annotations

import re
from datetime import date

LANGS = ("en", "fr")
NBSP = "\u00a0"

MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}

MESSAGES: dict[str, dict[str, str]] = {
    # Titles and the subject
    "title": {"en": "{program}: report for {period}", "fr": "{program} : rapport {period}"},
    "title_final": {
        "en": "{program}: final report for the academic year {years} ({period})",
        "fr": "{program} : rapport final de l'année universitaire {years} ({period})",
    },
    "period": {"en": "{start} to {end}", "fr": "du {start} au {end}"},
    "audience_coordinators": {
        "en": "Coordinators' copy: per-supporter counts are shown as they are. Do not forward it.",
        "fr": "Copie des coordonnateurs : le nombre d'interactions par pair aidant est montré tel quel. "
        "Ne pas la transférer.",
    },
    "audience_shared": {
        "en": "Shareable copy: counts under {threshold} by student characteristic or by supporter are hidden.",
        "fr": "Copie à diffuser : les nombres inférieurs à {threshold} par caractéristique des étudiants "
        "ou par pair aidant sont masqués.",
    },
    "in_short": {"en": "In short", "fr": "En bref"},
    "how_computed": {"en": "How these numbers were computed", "fr": "Comment ces chiffres ont été calculés"},
    "csv_attached": {
        "en": "Every figure is also attached as a CSV file, one row per table cell.",
        "fr": "Tous les chiffres sont aussi joints dans un fichier CSV, une ligne par cellule de tableau.",
    },
    "chart_alt": {
        "en": "Bar chart: share of respondents naming each barrier, by service (figures in the table below).",
        "fr": "Diagramme à barres : part des répondants nommant chaque obstacle, par service "
        "(chiffres dans le tableau ci-dessous).",
    },
    "chart_title": {
        "en": "Barriers to seeking help, by service",
        "fr": "Obstacles à la demande d'aide, par service",
    },
    "chart_axis": {"en": "Percent of respondents (n = {n})", "fr": "Pourcentage des répondants (n = {n})"},
    # Summary sentences
    "s_respondents": {
        "en": "{n} students answered the survey{rate}.",
        "fr": "{n} étudiants et étudiantes ont répondu au sondage{rate}.",
    },
    "s_rate": {"en": " ({rate} of those invited)", "fr": " ({rate} des personnes invitées)"},
    "s_more_likely": {
        "en": "Students were more likely to name “{barrier}” as a barrier to {first} ({p1}) than to {second} ({p2}); "
        "a difference this large is {how} to be chance ({p}).",
        "fr": "Les étudiants ont plus souvent nommé « {barrier} » comme obstacle pour les {first} ({p1}) "
        "que pour les {second} ({p2}) ; un écart aussi grand est {how} dû au hasard ({p}).",
    },
    "s_could_be_chance": {
        "en": "“{barrier}” was named more often for {first} ({p1}) than for {second} ({p2}), but a difference "
        "this size could be chance (adjusted {p}).",
        "fr": "« {barrier} » a été nommé plus souvent pour les {first} ({p1}) que pour les {second} ({p2}), "
        "mais un écart de cette taille pourrait être dû au hasard ({p} ajustée).",
    },
    "very_unlikely": {"en": "very unlikely", "fr": "très peu probablement"},
    "unlikely": {"en": "unlikely", "fr": "peu probablement"},
    "s_no_difference": {
        "en": "No barrier was named more often for {first} than for {second}, or the reverse, "
        "by more than chance could explain.",
        "fr": "Aucun obstacle n'a été nommé plus souvent pour les {first} que pour les {second}, ou l'inverse, "
        "au-delà de ce que le hasard peut expliquer.",
    },
    "s_too_few": {
        "en": "There are too few answers to compare {first} and {second}.",
        "fr": "Il y a trop peu de réponses pour comparer les {first} et les {second}.",
    },
    "s_activity": {
        "en": "Supporters logged {n} interactions; {referred} led to a referral.",
        "fr": "Les pairs aidants ont consigné {n} interactions ; {referred} ont mené à une orientation.",
    },
    "s_activity_plain": {
        "en": "Supporters logged {n} interactions.",
        "fr": "Les pairs aidants ont consigné {n} interactions.",
    },
    "s_k10": {
        "en": "{high} of the {n} respondents who answered the distress questions reported high or very high "
        "distress ({share}).",
        "fr": "{high} des {n} répondants aux questions sur la détresse ont fait état d'une détresse élevée "
        "ou très élevée ({share}).",
    },
    "s_no_survey": {"en": "No survey has been run yet.", "fr": "Aucun sondage n'a encore été mené."},
    # Key figures
    "key_figures": {"en": "Key figures", "fr": "Chiffres clés"},
    "figure": {"en": "Figure", "fr": "Indicateur"},
    "value": {"en": "Value", "fr": "Valeur"},
    "f_period": {"en": "Period", "fr": "Période"},
    "f_interactions": {"en": "Interactions logged", "fr": "Interactions consignées"},
    "f_supporters": {"en": "Supporters who logged", "fr": "Pairs aidants ayant consigné"},
    "of": {"en": "{a} of {b}", "fr": "{a} sur {b}"},
    "f_referrals": {"en": "Referrals", "fr": "Orientations"},
    "f_follow_ups": {"en": "Follow-ups planned", "fr": "Suivis prévus"},
    "f_duration": {"en": "Median duration", "fr": "Durée médiane"},
    "minutes": {"en": "{m} minutes (n = {n})", "fr": "{m} minutes (n = {n})"},
    "f_survey": {"en": "Survey", "fr": "Sondage"},
    "f_answers": {"en": "Survey answers", "fr": "Réponses au sondage"},
    "f_rate": {"en": "Response rate", "fr": "Taux de réponse"},
    "rate_of_links": {"en": "{rate} of {links} links issued", "fr": "{rate} des {links} liens envoyés"},
    # Tables
    "t_barriers": {
        "en": "Barriers to seeking help ({n} respondents)",
        "fr": "Obstacles à la demande d'aide ({n} répondants)",
    },
    "h_barrier": {"en": "Barrier", "fr": "Obstacle"},
    "h_service_n": {"en": "{service}, n (%)", "fr": "{service}, n (%)"},
    "h_difference": {"en": "Difference (points)", "fr": "Écart (points)"},
    "h_ci": {"en": "95% CI", "fr": "IC à 95 %"},
    "h_p": {"en": "Adjusted P", "fr": "P ajustée"},
    "difference_is": {
        "en": "Difference = {first} minus {second}, in percentage points.",
        "fr": "Écart = {first} moins {second}, en points de pourcentage.",
    },
    "t_year_over_year": {
        "en": "This survey ({this}, {n_this} respondents) against the previous one ({last}, {n_last} respondents)",
        "fr": "Ce sondage ({this}, {n_this} répondants) comparé au précédent ({last}, {n_last} répondants)",
    },
    "h_this_year": {"en": "{service}: this year", "fr": "{service} : cette année"},
    "h_last_year": {"en": "last year", "fr": "l'an dernier"},
    "h_change": {"en": "change (points)", "fr": "variation (points)"},
    "t_k10": {
        "en": "Psychological distress (K10 bands, Andrews & Slade 2001)",
        "fr": "Détresse psychologique (catégories du K10, Andrews et Slade 2001)",
    },
    "h_band": {"en": "Band", "fr": "Catégorie"},
    "h_respondents": {"en": "Respondents", "fr": "Répondants"},
    "h_percent": {"en": "Percent", "fr": "Pourcentage"},
    "k10_mean": {
        "en": "Mean {mean}, SD {sd}, from {n} K10 totals (10 to 50): {prorated} prorated, {left} left out.",
        "fr": "Moyenne {mean}, écart type {sd}, sur {n} totaux du K10 (10 à 50) : {prorated} extrapolés, "
        "{left} exclus.",
    },
    "band_low": {"en": "Low", "fr": "Faible"},
    "band_moderate": {"en": "Moderate", "fr": "Modérée"},
    "band_high": {"en": "High", "fr": "Élevée"},
    "band_very_high": {"en": "Very high", "fr": "Très élevée"},
    "t_survey_by_year": {"en": "Respondents by year of study", "fr": "Répondants par année d'études"},
    "h_year": {"en": "Year of study", "fr": "Année d'études"},
    "t_by_month": {"en": "Interactions by month", "fr": "Interactions par mois"},
    "h_month": {"en": "Month", "fr": "Mois"},
    "h_interactions": {"en": "Interactions", "fr": "Interactions"},
    "h_answer": {"en": "Answer", "fr": "Réponse"},
    "answered_n": {
        "en": "{n} interactions answered this question.",
        "fr": "{n} interactions ont une réponse à cette question.",
    },
    "not_answered_n": {"en": "{n} did not.", "fr": "{n} n'en ont pas."},
    "multi_note": {
        "en": "More than one answer per interaction is possible, so percentages add up to more than 100.",
        "fr": "Plusieurs réponses par interaction sont possibles : la somme des pourcentages dépasse 100.",
    },
    "t_referrals": {"en": "Referrals by destination", "fr": "Orientations par destination"},
    "h_destination": {"en": "Destination", "fr": "Destination"},
    "h_referrals": {"en": "Referrals", "fr": "Orientations"},
    "h_share_referrals": {"en": "Share of referrals", "fr": "Part des orientations"},
    "referral_note": {
        "en": "{shown} of {n} interactions led to a referral.",
        "fr": "{shown} des {n} interactions ont mené à une orientation.",
    },
    "t_year_by_concern": {
        "en": "Interactions by year of study and concern level",
        "fr": "Interactions par année d'études et niveau d'inquiétude",
    },
    "t_year": {"en": "Interactions by year of study", "fr": "Interactions par année d'études"},
    "t_per_supporter": {"en": "Interactions per supporter", "fr": "Interactions par pair aidant"},
    "h_supporter": {"en": "Supporter", "fr": "Pair aidant"},
    "total": {"en": "Total", "fr": "Total"},
    "not_recorded": {"en": "Not recorded", "fr": "Non consigné"},
    "not_answered": {"en": "Not answered", "fr": "Sans réponse"},
    "no_longer_on_file": {"en": "Supporters no longer on file", "fr": "Pairs aidants retirés du registre"},
    "protection": {
        "en": 'Counts under {threshold} are shown as "<{threshold}", and "x" hides another count so that the '
        "small ones cannot be worked out from the totals.",
        "fr": "Les nombres inférieurs à {threshold} sont indiqués « <{threshold} », et « x » masque un autre "
        "nombre pour que les petits ne puissent pas être déduits des totaux.",
    },
    "dropped": {
        "en": "Not shown: once counts under {threshold} are hidden, this table says nothing beyond the totals "
        "given elsewhere.",
        "fr": "Tableau omis : une fois masqués les nombres inférieurs à {threshold}, il n'apprend rien de plus "
        "que les totaux donnés ailleurs.",
    },
    # Methods
    "m_paired": {
        "en": "Each respondent answered for both services, so the answers are pairs: exact McNemar test, "
        "95% confidence interval by Newcombe's paired method (1998).",
        "fr": "Chaque répondant a répondu pour les deux services : les réponses sont appariées. Test exact "
        "de McNemar, intervalle de confiance à 95 % par la méthode appariée de Newcombe (1998).",
    },
    "m_independent": {
        "en": "The two services treated as independent groups, as in the published program evaluation: "
        "chi-square with Yates' correction, or Fisher's exact test when an expected count is under 5; "
        "95% confidence interval by Newcombe's method for independent proportions (1998).",
        "fr": "Les deux services traités comme des groupes indépendants, comme dans l'évaluation publiée du "
        "programme : khi carré avec correction de Yates, ou test exact de Fisher quand un effectif attendu "
        "est inférieur à 5 ; intervalle de confiance à 95 % par la méthode de Newcombe pour proportions "
        "indépendantes (1998).",
    },
    "m_holm": {
        "en": "P values are adjusted for the {n} barriers compared with Holm's method (1979); a difference is "
        "called unlikely to be chance only when its adjusted P is under .05.",
        "fr": "Les valeurs P sont ajustées pour les {n} obstacles comparés par la méthode de Holm (1979) ; "
        "un écart n'est dit peu probablement dû au hasard que si sa valeur P ajustée est inférieure à 0,05.",
    },
    "m_small_cell": {
        "en": "Small-cell protection: counts under {threshold} by year of study{supporter} are hidden. "
        "Overall totals are shown as they are.",
        "fr": "Protection des petits nombres : les nombres inférieurs à {threshold} par année d'études"
        "{supporter} sont masqués. Les totaux d'ensemble sont montrés tels quels.",
    },
    "m_per_supporter": {"en": " or per supporter", "fr": " ou par pair aidant"},
    "m_k10": {
        "en": "A K10 total is prorated when one of the ten items was skipped (the nine answers' total x 10/9, "
        "rounded to the nearest whole number) and left out when more were skipped: the K10 scoring rule of "
        "Australia's Primary Mental Health Care Minimum Data Set (PMHC MDS), which cites the AMHOCN "
        "overview of the NOCC measures. Bands: Andrews & Slade (2001).",
        "fr": "Un total du K10 est extrapolé quand une des dix questions est restée sans réponse (total des "
        "neuf réponses x 10/9, arrondi à l'entier le plus proche) et exclu quand plusieurs le sont, selon "
        "la règle de cotation du K10 du Primary Mental Health Care Minimum Data Set australien (PMHC MDS), "
        "qui renvoie à la présentation des mesures du NOCC par l'AMHOCN. Catégories : Andrews et Slade (2001).",
    },
    # Outcomes (issue 14)
    "g_used_peers": {"en": "used peer support", "fr": "ont fait appel aux pairs aidants"},
    "g_not_used_peers": {"en": "did not use peer support", "fr": "n'ont pas fait appel aux pairs aidants"},
    "o_said_yes": {"en": "said yes", "fr": "a dit oui"},
    "o_used_professional": {"en": "used a professional service", "fr": "a utilisé un service professionnel"},
    "t_phq9": {
        "en": "Depressive symptoms (PHQ-9 severity, Kroenke et al. 2001)",
        "fr": "Symptômes dépressifs (gravité au PHQ-9, Kroenke et coll. 2001)",
    },
    "t_gad7": {
        "en": "Anxiety symptoms (GAD-7 severity, Spitzer et al. 2006)",
        "fr": "Symptômes anxieux (gravité au GAD-7, Spitzer et coll. 2006)",
    },
    "severity_note": {
        "en": "{n} complete totals (every item answered); {incomplete} partly answered and {skipped} skipped "
        "are left out. Whole survey only: never broken down further.",
        "fr": "{n} totaux complets (toutes les questions répondues) ; {incomplete} réponses partielles et "
        "{skipped} sans réponse sont exclues. Ensemble du sondage seulement : jamais ventilé davantage.",
    },
    "t_help_seeking": {
        "en": "Help-seeking intention, 1 (extremely unlikely) to 7 (extremely likely), {n} respondents",
        "fr": "Intention de demander de l'aide, de 1 (extrêmement improbable) à 7 (extrêmement probable), "
        "{n} répondants",
    },
    "h_source": {"en": "Source of help", "fr": "Source d'aide"},
    "h_median": {"en": "Median", "fr": "Médiane"},
    "score_seek_faculty": {"en": "Faculty services", "fr": "Services de la Faculté"},
    "score_seek_peers": {"en": "Peer supporters", "fr": "Pairs aidants"},
    "hs_difference": {
        "en": "Median difference (Faculty minus peers) {d}; effect size r = {r}; {p} (Wilcoxon signed-rank test).",
        "fr": "Différence médiane (Faculté moins pairs) {d} ; taille d'effet r = {r} ; {p} (test des rangs "
        "signés de Wilcoxon).",
    },
    "t_service_use": {
        "en": "Professional service use by peer-support use ({n} respondents)",
        "fr": "Recours à un service professionnel selon le recours aux pairs aidants ({n} répondants)",
    },
    "h_group": {"en": "Students who", "fr": "Étudiants qui"},
    "h_used_professional": {
        "en": "Used a professional service",
        "fr": "Ont utilisé un service professionnel",
    },
    "h_not_professional": {"en": "Did not", "fr": "Ne l'ont pas fait"},
    "su_result": {
        "en": "Odds ratio {or} (95% CI {ci}); {p} ({test}). Professional services: Faculty wellness "
        "services, counselling or a physician.",
        "fr": "Rapport de cotes {or} (IC à 95 % {ci}) ; {p} ({test}). Services professionnels : services "
        "de mieux-être de la Faculté, counseling ou médecin.",
    },
    "caveat": {
        "en": "This is an association in one survey, not proof that one thing caused the other: students who "
        "chose peer support may differ in other ways.",
        "fr": "Il s'agit d'une association dans un seul sondage, pas d'une preuve qu'un facteur a causé "
        "l'autre : les étudiants qui ont choisi les pairs aidants peuvent différer à d'autres égards.",
    },
    "t_outcomes_by_year": {
        "en": "Outcomes: this survey ({this}) against the previous one ({last})",
        "fr": "Résultats : ce sondage ({this}) comparé au précédent ({last})",
    },
    "h_measure": {"en": "Measure", "fr": "Mesure"},
    "h_this_n": {"en": "This survey (n)", "fr": "Ce sondage (n)"},
    "h_last_n": {"en": "Previous (n)", "fr": "Précédent (n)"},
    "h_p_plain": {"en": "Test", "fr": "Test"},
    "this_survey": {"en": "this survey", "fr": "ce sondage"},
    "previous_survey": {"en": "the previous survey", "fr": "le sondage précédent"},
    "by_year_note": {
        "en": "Scores: medians, Mann-Whitney U test. Yes/no items: percent who said yes, chi-square (Yates) or "
        "Fisher's exact test. Independent groups: the two surveys' respondents are not matched.",
        "fr": "Scores : médianes, test U de Mann-Whitney. Questions oui/non : pourcentage de oui, khi carré "
        "(Yates) ou test exact de Fisher. Groupes indépendants : les répondants des deux sondages ne sont pas "
        "appariés.",
    },
    "score_k10": {"en": "K10 total (10-50)", "fr": "Total du K10 (10 à 50)"},
    "score_phq9": {"en": "PHQ-9 total (0-27)", "fr": "Total du PHQ-9 (0 à 27)"},
    "score_gad7": {"en": "GAD-7 total (0-21)", "fr": "Total du GAD-7 (0 à 21)"},
    "score_used_wellness": {"en": "Used Faculty wellness services", "fr": "Services de mieux-être utilisés"},
    "score_used_counselling": {"en": "Used counselling", "fr": "Counseling utilisé"},
    "score_used_physician": {"en": "Saw a physician", "fr": "Médecin consulté"},
    "score_used_peer_supporters": {"en": "Used peer supporters", "fr": "Pairs aidants sollicités"},
    "t_follow_ups": {
        "en": "Follow-ups due in the period (counts only)",
        "fr": "Suivis à faire pendant la période (nombres seulement)",
    },
    "h_follow_ups": {"en": "Follow-ups", "fr": "Suivis"},
    "fu_planned": {"en": "Planned", "fr": "Prévus"},
    "fu_done": {"en": "Done", "fr": "Faits"},
    "fu_closed": {"en": "Closed (not needed, could not reach)", "fr": "Fermés (inutile, injoignable)"},
    "fu_open": {"en": "Still open", "fr": "Encore ouverts"},
    "fu_overdue": {"en": "Overdue", "fr": "En retard"},
    "t_uptake": {
        "en": "Referral uptake: did the student connect with the service?",
        "fr": "Suite des orientations : l'étudiant a-t-il pris contact avec le service?",
    },
    "h_followed_up": {"en": "Followed up", "fr": "Suivies"},
    "h_connected": {"en": "Connected", "fr": "Contact pris"},
    "h_not_yet": {"en": "Not yet", "fr": "Pas encore"},
    "h_declined": {"en": "Declined", "fr": "Refusé"},
    "h_unknown": {"en": "Unknown", "fr": "Inconnu"},
    "h_uptake": {"en": "Uptake (95% CI)", "fr": "Taux (IC à 95 %)"},
    "uptake_note": {
        "en": "Uptake: connected among the referrals with a known outcome, Wilson 95% interval; unknowns are "
        "counted in their column and left out of the rate.",
        "fr": "Taux : contacts pris parmi les orientations dont la suite est connue, intervalle de Wilson à "
        "95 % ; les suites inconnues sont comptées dans leur colonne et exclues du taux.",
    },
    "s_help_seeking": {
        "en": "Students said they were more likely to seek help from {first} (median {m1} of 7) than from "
        "{second} ({m2}); a difference this large is {how} to be chance ({p}).",
        "fr": "Les étudiants se disent plus enclins à demander de l'aide aux {first} (médiane {m1} sur 7) "
        "qu'aux {second} ({m2}) ; un écart aussi grand est {how} dû au hasard ({p}).",
    },
    "s_help_seeking_chance": {
        "en": "Help-seeking intention from Faculty services (median {m1} of 7) and from peer supporters "
        "({m2}) did not differ by more than chance could explain.",
        "fr": "L'intention de demander de l'aide aux services de la Faculté (médiane {m1} sur 7) et aux pairs "
        "aidants ({m2}) ne diffère pas au-delà de ce que le hasard peut expliquer.",
    },
    "s_service_use": {
        "en": "{p1} of students who used peer support also used a professional service, against {p2} of those "
        "who did not: an association in one survey, not proof of an effect.",
        "fr": "{p1} des étudiants qui ont fait appel aux pairs aidants ont aussi utilisé un service "
        "professionnel, contre {p2} des autres : une association dans un seul sondage, pas la preuve d'un effet.",
    },
    "faculty_services_name": {"en": "Faculty services", "fr": "services de la Faculté"},
    "peer_supporters_name": {"en": "peer supporters", "fr": "pairs aidants"},
    "m_outcomes": {
        "en": "Outcomes: help-seeking intention compared by the Wilcoxon signed-rank test (exact below 50 pairs "
        "without ties, else normal approximation), effect size r = z / sqrt(n); service use by peer-support "
        "use by chi-square (Yates) or Fisher's exact test when an expected count is under 5, with the odds "
        "ratio and its 95% interval; referral uptake with Wilson's 95% interval. The same choices as R's "
        "wilcox.test, chisq.test and fisher.test.",
        "fr": "Résultats : intention de demander de l'aide comparée par le test des rangs signés de Wilcoxon "
        "(exact sous 50 paires sans ex aequo, sinon approximation normale), taille d'effet r = z / racine(n) ; "
        "recours aux services selon le recours aux pairs par le khi carré (Yates) ou le test exact de Fisher "
        "quand un effectif attendu est inférieur à 5, avec le rapport de cotes et son intervalle à 95 % ; "
        "suite des orientations avec l'intervalle de Wilson à 95 %. Les mêmes choix que wilcox.test, "
        "chisq.test et fisher.test de R.",
    },
    "not_answered_service": {
        "en": "{n} answer(s) checked nothing for {service} (neither a barrier nor “None of these”): "
        "left out of its percentages.",
        "fr": "{n} réponse(s) sans aucune case cochée pour les {service} (ni obstacle ni « Aucun de "
        "ceux-ci ») : exclues de ses pourcentages.",
    },
    "paired_only_both": {
        "en": "The paired comparison uses the {n} respondents who answered for both services.",
        "fr": "La comparaison appariée porte sur les {n} répondants qui ont répondu pour les deux services.",
    },
    "m_old_answers_n": {
        "en": "{n} answer(s) list a service with nothing checked (stored before the survey offered “None of "
        "these”, or imported from a file): read, as before, as no barrier for that service.",
        "fr": "{n} réponse(s) donnent un service sans case cochée (enregistrées avant l'ajout du choix "
        "« Aucun de ceux-ci », ou importées d'un fichier) : lues, comme avant, comme sans obstacle pour ce "
        "service.",
    },
}


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when the language is unknown), filled in."""
    text = MESSAGES[key].get(lang) or MESSAGES[key]["en"]
    text = text.format(**params) if params else text
    return french_spacing(text) if lang == "fr" else text


def french_spacing(text: str) -> str:
    """No-break spaces before ``: ; ? ! %`` (a plain space there is replaced; none is added inside
    a URL, a time or a ratio like "<5", which have no space before the mark)."""
    for mark in (":", ";", "?", "!", "%", "»"):
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text.replace("« ", f"«{NBSP}")


def decimal(value: float, places: int, lang: str) -> str:
    shown = f"{value:.{places}f}"
    return shown.replace(".", ",") if lang == "fr" else shown


def pct(value: float, lang: str, places: int = 1) -> str:
    return decimal(value, places, lang) + (f"{NBSP}%" if lang == "fr" else "%")


def long_date(day: date, lang: str) -> str:
    month = MONTHS.get(lang, MONTHS["en"])[day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def month_label(year: int, month: int, lang: str) -> str:
    name = MONTHS.get(lang, MONTHS["en"])[month - 1]
    return f"{name[:1].upper()}{name[1:]} {year}"


def period_label(start: date, end: date, lang: str) -> str:
    """The period in words: "1 September 2025 to 31 August 2026", "du 1er septembre 2025 au 31 août 2026"."""
    return t(lang, "period", start=long_date(start, lang), end=long_date(end, lang))


# Notes written in English by the statistics and the builders (shared/report/stats.py, paired.py,
# suppress.py, activity.py, barriers.py, build.py, protect.py), in French. Every note passes
# through :func:`localize` on its way out; tests/test_report_language.py builds French reports
# that meet each of them and checks that no English is left.
_NOTES_FR: tuple[tuple[str, str], ...] = (
    # stats.py and paired.py
    (
        r"No respondents in (\S+) and (\S+), so the groups cannot be compared\.",
        r"Aucun répondant dans \1 ni dans \2 : les groupes ne peuvent pas être comparés.",
    ),
    (
        r"No respondents in (.+?), so the groups cannot be compared\.",
        r"Aucun répondant dans \1 : les groupes ne peuvent pas être comparés.",
    ),
    (
        r"Nobody in either group checked this barrier, so the test has no information\.",
        "Personne, dans aucun des deux groupes, n'a coché cet obstacle : le test n'apporte aucune information.",
    ),
    (
        r"Everybody in both groups checked this barrier, so the test has no information\.",
        "Tout le monde, dans les deux groupes, a coché cet obstacle : le test n'apporte aucune information.",
    ),
    (
        r"Fisher's exact test was used because an expected count was under 5\.",
        "Le test exact de Fisher a été utilisé, un effectif attendu étant inférieur à 5.",
    ),
    (
        r"A group of one respondent: the interval is very wide\.",
        "Un groupe d'un seul répondant : l'intervalle est très large.",
    ),
    (r"No K10 scores were submitted\.", "Aucun score du K10 n'a été soumis."),
    (
        r"Only one K10 score: the standard deviation needs at least two\.",
        "Un seul score du K10 : l'écart type en demande au moins deux.",
    ),
    (
        r"No respondents answered for both services, so nothing can be compared\.",
        "Aucun répondant n'a répondu pour les deux services : rien ne peut être comparé.",
    ),
    (
        r"Only one respondent: the interval is very wide and no test can show a difference\.",
        "Un seul répondant : l'intervalle est très large et aucun test ne peut montrer d'écart.",
    ),
    (
        r"Nobody checked this barrier for either service\.",
        "Personne n'a coché cet obstacle, pour aucun des deux services.",
    ),
    (
        r"Every respondent checked this barrier for both services\.",
        "Tous les répondants ont coché cet obstacle pour les deux services.",
    ),
    (
        r"Every respondent gave the same answer for both services, so there are no discordant pairs and the "
        r"exact McNemar test gives P = 1\.",
        "Chaque répondant a donné la même réponse pour les deux services : il n'y a aucune paire discordante "
        "et le test exact de McNemar donne P = 1.",
    ),
    # suppress.py and protect.py
    (
        r"(?:The total is|Some totals are) hidden because the small counts could not be protected otherwise; "
        r"consider merging small categories\.",
        "Des totaux sont masqués, faute d'autre moyen de protéger les petits nombres ; envisagez de regrouper "
        "les petites catégories.",
    ),
    (
        r"The total is only (\d+); consider merging with another group\.",
        r"Le total n'est que de \1 ; envisagez de regrouper avec un autre groupe.",
    ),
    (r"Combined to protect small counts: (.+)\.", r"Regroupés pour protéger les petits nombres : \1."),
    # activity.py
    (
        r"No interactions were logged in this period\.",
        "Aucune interaction n'a été consignée pendant cette période.",
    ),
    (r"The log form does not ask about referrals\.", "Le formulaire ne demande pas les orientations."),
    (
        r"No interaction in the period recorded a referral answer\.",
        "Aucune interaction de la période n'indique d'orientation.",
    ),
    (r"The log form does not ask about follow-ups\.", "Le formulaire ne demande pas les suivis."),
    (
        r"No interaction in the period answered the follow-up question\.",
        "Aucune interaction de la période ne répond à la question du suivi.",
    ),
    (r"The log form does not ask for the duration\.", "Le formulaire ne demande pas la durée."),
    (
        r"No interaction in the period recorded its duration\.",
        "Aucune interaction de la période n'indique sa durée.",
    ),
    (r" \(not in the form\)", " (absent du formulaire)"),
    # barriers.py and build.py
    (
        r"The survey form has no barrier matrix with two services, so nothing is compared\.",
        "Le formulaire du sondage n'a pas de grille d'obstacles à deux services : rien n'est comparé.",
    ),
    (
        r"The form lists (\d+) services; the comparison is between the first two \((.+?) and (.+?)\)\.",
        r"Le formulaire compte \1 services ; la comparaison porte sur les deux premiers (\2 et \3).",
    ),
    (
        r"(\d+) answer\(s\) hold no barrier answers at all and are left out of this table\.",
        r"\1 réponse(s) sans aucune réponse sur les obstacles : exclues de ce tableau.",
    ),
    (
        r"No respondent answered the barrier questions, so no statistic can be computed\.",
        "Aucun répondant n'a répondu aux questions sur les obstacles : aucune statistique n'est calculable.",
    ),
    (
        r"Only one respondent: percentages are shown, but the tests cannot show a difference\.",
        "Un seul répondant : les pourcentages sont donnés, mais les tests ne peuvent montrer aucun écart.",
    ),
    (
        r"(\d+) of the (\d+) answers were imported from a file rather than given through a survey link, so there "
        r"is no response rate\.",
        r"\1 des \2 réponses ont été importées d'un fichier plutôt que données par un lien du sondage : "
        "pas de taux de réponse.",
    ),
    (
        r"No links were issued through the program, so there is no response rate\.",
        "Aucun lien n'a été envoyé par le programme : pas de taux de réponse.",
    ),
    (
        r"More answers than links issued, so there is no response rate\.",
        "Plus de réponses que de liens envoyés : pas de taux de réponse.",
    ),
    (
        r"(\d+) total\(s\) prorated over one skipped item\.",
        r"\1 total(s) extrapolé(s) sur une question sans réponse.",
    ),
    (
        r"(\d+) respondent\(s\) skipped two or more K10 items; their totals are left out\.",
        r"\1 répondant(s) ont laissé deux questions du K10 ou plus sans réponse : leurs totaux sont exclus.",
    ),
    (r"(\d+) respondent\(s\) skipped the K10 questions\.", r"\1 répondant(s) n'ont pas répondu au K10."),
    (
        r"The previous survey \((.+?)\) has no barrier answers to compare with\.",
        r"Le sondage précédent (\1) n'a aucune réponse sur les obstacles à comparer.",
    ),
    (r"This survey has no barrier answers yet\.", "Ce sondage n'a encore aucune réponse sur les obstacles."),
    (r"This survey has no answers yet\.", "Ce sondage n'a encore aucune réponse."),
    (
        r"(\d+) more answer\(s\) sealed, waiting to be released: answers are released daily in "
        r"batches of at least (\d+), and all of them when the survey's links are purged\. The results "
        r"above count released answers only\.",
        r"\1 autre(s) réponse(s) scellée(s), en attente de publication : les réponses sont publiées "
        r"chaque jour par lots d'au moins \2, et toutes lors de la purge des liens du sondage. Les "
        r"résultats ci-dessus ne comptent que les réponses publiées.",
    ),
    # outcomes.py and outcome_part.py (issue 14)
    (
        r"No respondent answered both questions, so nothing can be compared\.",
        "Aucun répondant n'a répondu aux deux questions : rien ne peut être comparé.",
    ),
    (
        r"Only one respondent answered both questions; a test needs at least two\.",
        "Un seul répondant a répondu aux deux questions ; un test en demande au moins deux.",
    ),
    (
        r"Every respondent gave the same answer for both sources \(all ties\), so there is no difference to test\.",
        "Chaque répondant a donné la même réponse pour les deux sources (ex aequo) : il n'y a aucun écart à "
        "tester.",
    ),
    (
        r"(\d+) of (\d+) respondents gave both sources the same answer; the test ranks the others\.",
        r"\1 des \2 répondants ont donné la même réponse pour les deux sources ; le test classe les autres.",
    ),
    (
        r"Nobody in either group (.+?), so the groups cannot differ\.",
        r"Personne, dans aucun des deux groupes, n'\1 : les groupes ne peuvent pas différer.",
    ),
    (
        r"Everybody in either group (.+?), so the groups cannot differ\.",
        r"Tout le monde, dans les deux groupes, \1 : les groupes ne peuvent pas différer.",
    ),
    (
        r"A cell of the table is empty, so the odds ratio or an end of its interval is 0 or unbounded\.",
        "Une case du tableau est vide : le rapport de cotes ou une borne de son intervalle vaut 0 ou est infini.",
    ),
    (
        r"Hidden in this copy: a cell of the table is under (\d+)\.",
        r"Masqué dans cette copie : une case du tableau est inférieure à \1.",
    ),
    (r"No referral has been followed up yet\.", "Aucune orientation n'a encore été suivie."),
    (
        r"None of the (\d+) referrals followed up has a known outcome, so no uptake rate can be given\.",
        r"Aucune des \1 orientations suivies n'a de suite connue : pas de taux.",
    ),
    (
        r"(\d+) of (\d+) referrals have no known outcome and are not in the rate\.",
        r"\1 des \2 orientations n'ont pas de suite connue et sont exclues du taux.",
    ),
    (
        r"No scores in (.+?), so the years cannot be compared\.",
        r"Aucun score dans \1 : les années ne peuvent pas être comparées.",
    ),
    (
        r"Every respondent in both years has the same score \(all ties\), so there is no difference to test\.",
        "Tous les répondants des deux années ont le même score (ex aequo) : il n'y a aucun écart à tester.",
    ),
    (
        r"A group of one respondent: read the result with great care\.",
        "Un groupe d'un seul répondant : lire le résultat avec grande prudence.",
    ),
    (r"\bthis_year\b", "ce sondage"),
    (r"\blast_year\b", "le sondage précédent"),
    (r"\(Fisher's exact\)", "(test exact de Fisher)"),
    (r"\(chi-square \(Yates\)\)", "(khi carré avec correction de Yates)"),
    (
        r"No survey has been created yet, so there are no barrier results\.",
        "Aucun sondage n'a encore été créé : il n'y a pas de résultats sur les obstacles.",
    ),
)
_NOTES_FR_COMPILED = tuple((re.compile(english), french) for english, french in _NOTES_FR)


def localize(text: str, lang: str) -> str:
    """A note made in English, in ``lang`` (French spacing included); English as it is."""
    if lang != "fr" or not text:
        return text
    for english, french in _NOTES_FR_COMPILED:
        text = english.sub(french, text)
    return french_spacing(text)
