//! Conflicts of interest (回避) between review experts and applications: typed, dated and
//! explained relations, found from an expert's affiliation history and recorded links.
//!
//! # Rules
//!
//! An application's *organisations* are its applicant and its partners (an organisation listed
//! as both counts as the applicant); its *people* are its lead and members. For an expert and
//! an application, on the date `on` and with a window of `window_years` years:
//!
//! | kind | found when |
//! |---|---|
//! | [`ConflictKind::SameOrganisation`] | an affiliation at one of the organisations is valid on `on` (`valid_from ≤ on`, `valid_to` open or `≥ on`) |
//! | [`ConflictKind::FormerOrganisation`] | an affiliation at one of the organisations ended before `on` but on or after `on` minus `window_years` years, and the expert is not there now |
//! | [`ConflictKind::CoApplicant`] | the expert is one of the people |
//! | [`ConflictKind::Employment`], [`ConflictKind::Shareholding`] | a link of that kind names one of the organisations |
//! | [`ConflictKind::Advisor`], [`ConflictKind::Personal`] | a link of that kind names one of the people |
//! | [`ConflictKind::Declared`] | a declared link names one of the organisations or one of the people |
//!
//! "`on` minus `n` years" is the same month and day `n` years earlier, 28 February for 29
//! February in a common year. There is one [`Conflict`] per kind and organisation or person:
//! several spans at one organisation give one conflict, dated by the earliest start of the
//! current spans (current) or by the span that ended last (former); notes of several declared
//! links naming the same organisation or person are joined with `; `. Links of the kinds that
//! come from affiliations or the application itself (same or former organisation,
//! co-applicant) are not relations of their own and are ignored. Affiliations that start after
//! `on` are not conflicts yet.
//!
//! # Explanations
//!
//! Each conflict carries an i18n key ([`Conflict::code`]) and named arguments
//! ([`Conflict::args`]); [`explain_en`] fills in the English template. Dates are
//! `YYYY-MM-DD`; an empty declared note is shown as `—`.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `conflict.same_organisation` | {expert} works at {organisation} (since {since}), the applicant. | {expert}现在申报单位{organisation}工作（自 {since} 起）。 |
//! | `conflict.same_organisation_partner` | {expert} works at {organisation} (since {since}), a partner of the application. | {expert}现在合作单位{organisation}工作（自 {since} 起）。 |
//! | `conflict.former_organisation` | {expert} worked at {organisation}, the applicant, from {since} to {until}, within the last {years} years. | {expert}近 {years} 年内曾在申报单位{organisation}工作（{since} 至 {until}）。 |
//! | `conflict.former_organisation_partner` | {expert} worked at {organisation}, a partner of the application, from {since} to {until}, within the last {years} years. | {expert}近 {years} 年内曾在合作单位{organisation}工作（{since} 至 {until}）。 |
//! | `conflict.co_applicant` | {expert} is one of the applicants of this application. | {expert}是本项目的申报人员之一。 |
//! | `conflict.employment` | {expert} holds a post (such as a part-time or adjunct one) at {organisation}, the applicant. | {expert}在申报单位{organisation}任职（如兼职、挂职）。 |
//! | `conflict.employment_partner` | {expert} holds a post (such as a part-time or adjunct one) at {organisation}, a partner of the application. | {expert}在合作单位{organisation}任职（如兼职、挂职）。 |
//! | `conflict.shareholding` | {expert} holds shares in {organisation}, the applicant. | {expert}持有申报单位{organisation}的股份。 |
//! | `conflict.shareholding_partner` | {expert} holds shares in {organisation}, a partner of the application. | {expert}持有合作单位{organisation}的股份。 |
//! | `conflict.advisor` | {expert} and {person}, of the applicant team, are or were advisor and student. | {expert}与申报团队成员{person}有师生关系。 |
//! | `conflict.personal` | {expert} has a family or other personal relation with {person}, of the applicant team. | {expert}与申报团队成员{person}有亲属或其他个人关系。 |
//! | `conflict.declared_organisation` | {expert} declared a conflict of interest with {organisation}, the applicant. Reason given: {note} | {expert}本人申明与申报单位{organisation}存在利益关系，理由：{note} |
//! | `conflict.declared_organisation_partner` | {expert} declared a conflict of interest with {organisation}, a partner of the application. Reason given: {note} | {expert}本人申明与合作单位{organisation}存在利益关系，理由：{note} |
//! | `conflict.declared_person` | {expert} declared a conflict of interest with {person}, of the applicant team. Reason given: {note} | {expert}本人申明与申报团队成员{person}存在利益关系，理由：{note} |

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::Date;

// Dates travel as ISO `YYYY-MM-DD`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The type of a conflict of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    SameOrganisation,
    FormerOrganisation,
    CoApplicant,
    Employment,
    Shareholding,
    Advisor,
    Personal,
    Declared,
}

impl ConflictKind {
    pub const ALL: [ConflictKind; 8] = [
        ConflictKind::SameOrganisation,
        ConflictKind::FormerOrganisation,
        ConflictKind::CoApplicant,
        ConflictKind::Employment,
        ConflictKind::Shareholding,
        ConflictKind::Advisor,
        ConflictKind::Personal,
        ConflictKind::Declared,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::SameOrganisation => "same_organisation",
            ConflictKind::FormerOrganisation => "former_organisation",
            ConflictKind::CoApplicant => "co_applicant",
            ConflictKind::Employment => "employment",
            ConflictKind::Shareholding => "shareholding",
            ConflictKind::Advisor => "advisor",
            ConflictKind::Personal => "personal",
            ConflictKind::Declared => "declared",
        }
    }

    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            ConflictKind::SameOrganisation => "同单位",
            ConflictKind::FormerOrganisation => "近年曾在同单位",
            ConflictKind::CoApplicant => "共同申报人",
            ConflictKind::Employment => "任职关联",
            ConflictKind::Shareholding => "持股关联",
            ConflictKind::Advisor => "师生关系",
            ConflictKind::Personal => "亲属或其他个人关系",
            ConflictKind::Declared => "本人申明",
        }
    }

    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            ConflictKind::SameOrganisation => "same organisation",
            ConflictKind::FormerOrganisation => "former organisation (recent)",
            ConflictKind::CoApplicant => "co-applicant",
            ConflictKind::Employment => "employment link",
            ConflictKind::Shareholding => "shareholding",
            ConflictKind::Advisor => "advisor",
            ConflictKind::Personal => "personal relation",
            ConflictKind::Declared => "declared by the expert",
        }
    }

    /// Parses the code (`same_organisation`) or the Chinese name (`同单位`), trimmed; `None`
    /// for anything else (the caller names the field in its own error).
    #[must_use]
    pub fn parse(s: &str) -> Option<ConflictKind> {
        let s = s.trim();
        ConflictKind::ALL.into_iter().find(|k| k.as_str() == s || k.name_zh() == s)
    }
}

/// An expert's affiliation (employment) at an organisation, from `valid_from` to `valid_to`
/// inclusive (open-ended when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub organisation_id: i64,
    pub organisation_name: String,
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    #[serde(default, with = "iso_date::option")]
    pub valid_to: Option<Date>,
}

/// A recorded relation of an expert: shareholding in or employment (part-time, adjunct) at an
/// organisation, advisor of or personal relation with a person, or a declaration naming an
/// organisation and/or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: ConflictKind,
    pub person_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub note: String,
}

/// What conflict detection needs to know about an expert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertFacts {
    pub person_id: i64,
    pub name: String,
    pub affiliations: Vec<Span>,
    pub links: Vec<Link>,
}

/// What conflict detection needs to know about an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationFacts {
    pub application_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// Partner organisations (id, name).
    pub partner_organisations: Vec<(i64, String)>,
    /// The lead first, then the members (id, name).
    pub people: Vec<(i64, String)>,
}

/// One conflict of interest between an expert and an application, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The expert's person id.
    pub expert: i64,
    /// The application id.
    pub application: i64,
    /// The organisation of the application involved (organisation kinds and declarations).
    pub organisation_id: Option<i64>,
    /// The person of the application involved (the expert for a co-applicant).
    pub person_id: Option<i64>,
    /// Start of the affiliation behind the conflict.
    #[serde(default, with = "iso_date::option")]
    pub since: Option<Date>,
    /// End of that affiliation (`None` when open-ended or not an affiliation).
    #[serde(default, with = "iso_date::option")]
    pub until: Option<Date>,
    /// Explanation message key (`conflict.same_organisation`).
    pub code: String,
    /// Named arguments of the explanation: names, dates, the window, the note.
    pub args: Vec<(String, String)>,
}

/// The English template of an explanation code (the doc table's English column).
fn template_en(code: &str) -> Option<&'static str> {
    Some(match code {
        "conflict.same_organisation" => "{expert} works at {organisation} (since {since}), the applicant.",
        "conflict.same_organisation_partner" => {
            "{expert} works at {organisation} (since {since}), a partner of the application."
        }
        "conflict.former_organisation" => {
            "{expert} worked at {organisation}, the applicant, from {since} to {until}, within the last {years} years."
        }
        "conflict.former_organisation_partner" => {
            "{expert} worked at {organisation}, a partner of the application, from {since} to {until}, \
             within the last {years} years."
        }
        "conflict.co_applicant" => "{expert} is one of the applicants of this application.",
        "conflict.employment" => {
            "{expert} holds a post (such as a part-time or adjunct one) at {organisation}, the applicant."
        }
        "conflict.employment_partner" => {
            "{expert} holds a post (such as a part-time or adjunct one) at {organisation}, a partner of the application."
        }
        "conflict.shareholding" => "{expert} holds shares in {organisation}, the applicant.",
        "conflict.shareholding_partner" => "{expert} holds shares in {organisation}, a partner of the application.",
        "conflict.advisor" => "{expert} and {person}, of the applicant team, are or were advisor and student.",
        "conflict.personal" => "{expert} has a family or other personal relation with {person}, of the applicant team.",
        "conflict.declared_organisation" => {
            "{expert} declared a conflict of interest with {organisation}, the applicant. Reason given: {note}"
        }
        "conflict.declared_organisation_partner" => {
            "{expert} declared a conflict of interest with {organisation}, a partner of the application. \
             Reason given: {note}"
        }
        "conflict.declared_person" => {
            "{expert} declared a conflict of interest with {person}, of the applicant team. Reason given: {note}"
        }
        _ => return None,
    })
}

/// The explanation of `c` in English: its code's template filled with its args. An unknown
/// code (a record from a newer version) is shown as the code followed by the args.
#[must_use]
pub fn explain_en(c: &Conflict) -> String {
    match template_en(&c.code) {
        Some(template) => {
            c.args.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
        }
        None => {
            let args: Vec<String> = c.args.iter().map(|(name, value)| format!("{name}={value}")).collect();
            format!("{} ({})", c.code, args.join(", "))
        }
    }
}

/// Whether an organisation takes part in the application as the applicant or as a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Applicant,
    Partner,
}

impl Role {
    /// The explanation code of an organisation-based conflict for this role.
    fn code(self, base: &str) -> String {
        match self {
            Role::Applicant => format!("conflict.{base}"),
            Role::Partner => format!("conflict.{base}_partner"),
        }
    }
}

/// The role and name of `organisation` in `app`, the applicant taking precedence.
fn organisation_role(app: &ApplicationFacts, organisation: i64) -> Option<(Role, &str)> {
    if app.organisation_id == organisation {
        return Some((Role::Applicant, &app.organisation_name));
    }
    app.partner_organisations.iter().find(|(id, _)| *id == organisation).map(|(_, name)| (Role::Partner, name.as_str()))
}

/// The name of `person` among the application's people.
fn person_name(app: &ApplicationFacts, person: i64) -> Option<&str> {
    app.people.iter().find(|(id, _)| *id == person).map(|(_, name)| name.as_str())
}

fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// `on` minus `years` years: the same month and day, the last day of February for 29 February
/// in a common year; the earliest representable date if that is out of range.
fn years_before(on: Date, years: u32) -> Date {
    let year = i64::from(on.year()) - i64::from(years);
    let Ok(year) = i32::try_from(year) else { return Date::MIN };
    let day = on.day().min(on.month().length(year));
    Date::from_calendar_date(year, on.month(), day).unwrap_or(Date::MIN)
}

/// Current spans at one organisation merged: earliest start, latest end (open wins).
struct Current {
    since: Date,
    until: Option<Date>,
}

/// The conflicts between `expert` and `app` on the date `on`, with a window of `window_years`
/// years for former affiliations (rules in the module doc), sorted by kind, then organisation,
/// then person; at most one per kind and organisation or person.
#[must_use]
pub fn detect(expert: &ExpertFacts, app: &ApplicationFacts, on: Date, window_years: u32) -> Vec<Conflict> {
    let cutoff = years_before(on, window_years);
    // Key (kind, organisation, person) keeps one conflict per reason and gives the sort order.
    let mut found: BTreeMap<(ConflictKind, Option<i64>, Option<i64>), Conflict> = BTreeMap::new();
    let conflict = |kind, organisation_id, person_id, code: String, args: Vec<(&str, String)>| Conflict {
        kind,
        expert: expert.person_id,
        application: app.application_id,
        organisation_id,
        person_id,
        since: None,
        until: None,
        code,
        args: std::iter::once(("expert", expert.name.clone()))
            .chain(args)
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    };

    let mut current: BTreeMap<i64, Current> = BTreeMap::new();
    let mut former: BTreeMap<i64, (Date, Date)> = BTreeMap::new();
    for span in &expert.affiliations {
        if organisation_role(app, span.organisation_id).is_none() || span.valid_from > on {
            continue;
        }
        match span.valid_to {
            Some(to) if to < on => {
                if to >= cutoff {
                    let entry = former.entry(span.organisation_id).or_insert((span.valid_from, to));
                    if to > entry.1 {
                        *entry = (span.valid_from, to);
                    }
                }
            }
            _ => {
                let entry = current
                    .entry(span.organisation_id)
                    .or_insert(Current { since: span.valid_from, until: span.valid_to });
                entry.since = entry.since.min(span.valid_from);
                entry.until = entry.until.zip(span.valid_to).map(|(a, b)| a.max(b));
            }
        }
    }
    for (&organisation, span) in &current {
        let Some((role, name)) = organisation_role(app, organisation) else { continue };
        let kind = ConflictKind::SameOrganisation;
        let mut c = conflict(
            kind,
            Some(organisation),
            None,
            role.code("same_organisation"),
            vec![("organisation", name.to_owned()), ("since", iso(span.since))],
        );
        c.since = Some(span.since);
        c.until = span.until;
        found.insert((kind, Some(organisation), None), c);
    }
    for (&organisation, &(since, until)) in former.iter().filter(|(id, _)| !current.contains_key(id)) {
        let Some((role, name)) = organisation_role(app, organisation) else { continue };
        let kind = ConflictKind::FormerOrganisation;
        let mut c = conflict(
            kind,
            Some(organisation),
            None,
            role.code("former_organisation"),
            vec![
                ("organisation", name.to_owned()),
                ("since", iso(since)),
                ("until", iso(until)),
                ("years", window_years.to_string()),
            ],
        );
        c.since = Some(since);
        c.until = Some(until);
        found.insert((kind, Some(organisation), None), c);
    }

    if person_name(app, expert.person_id).is_some() {
        let kind = ConflictKind::CoApplicant;
        found.insert(
            (kind, None, Some(expert.person_id)),
            conflict(kind, None, Some(expert.person_id), "conflict.co_applicant".to_owned(), vec![]),
        );
    }

    for link in &expert.links {
        let organisation = link.organisation_id.and_then(|id| organisation_role(app, id).map(|r| (id, r)));
        let person = link.person_id.and_then(|id| person_name(app, id).map(|name| (id, name)));
        match link.kind {
            ConflictKind::Employment | ConflictKind::Shareholding => {
                let Some((id, (role, name))) = organisation else { continue };
                let base = if link.kind == ConflictKind::Employment { "employment" } else { "shareholding" };
                found.entry((link.kind, Some(id), None)).or_insert_with(|| {
                    conflict(link.kind, Some(id), None, role.code(base), vec![("organisation", name.to_owned())])
                });
            }
            ConflictKind::Advisor | ConflictKind::Personal => {
                let Some((id, name)) = person else { continue };
                let code = format!("conflict.{}", link.kind.as_str());
                found
                    .entry((link.kind, None, Some(id)))
                    .or_insert_with(|| conflict(link.kind, None, Some(id), code, vec![("person", name.to_owned())]));
            }
            ConflictKind::Declared => {
                let kind = ConflictKind::Declared;
                if let Some((id, (role, name))) = organisation {
                    let c = found.entry((kind, Some(id), None)).or_insert_with(|| {
                        conflict(
                            kind,
                            Some(id),
                            None,
                            role.code("declared_organisation"),
                            vec![("organisation", name.to_owned()), ("note", String::new())],
                        )
                    });
                    add_note(c, &link.note);
                }
                if let Some((id, name)) = person {
                    let c = found.entry((kind, None, Some(id))).or_insert_with(|| {
                        conflict(
                            kind,
                            None,
                            Some(id),
                            "conflict.declared_person".to_owned(),
                            vec![("person", name.to_owned()), ("note", String::new())],
                        )
                    });
                    add_note(c, &link.note);
                }
            }
            // These come from affiliations and the application, not from links.
            ConflictKind::SameOrganisation | ConflictKind::FormerOrganisation | ConflictKind::CoApplicant => {}
        }
    }

    let mut out: Vec<Conflict> = found.into_values().collect();
    for c in &mut out {
        for (name, value) in &mut c.args {
            if name == "note" && value.is_empty() {
                "—".clone_into(value);
            }
        }
    }
    out
}

/// Appends a declared link's note (trimmed, when new and not empty) to the conflict's `note`.
fn add_note(c: &mut Conflict, note: &str) {
    let note = note.trim();
    if note.is_empty() {
        return;
    }
    if let Some((_, value)) = c.args.iter_mut().find(|(name, _)| name == "note") {
        if value.is_empty() {
            note.clone_into(value);
        } else if !value.split("; ").any(|n| n == note) {
            value.push_str("; ");
            value.push_str(note);
        }
    }
}

/// All conflicts between `experts` and `apps` (as [`detect`] for every pair), sorted by
/// application, expert, kind, organisation and person, without repeats.
///
/// Applications are indexed by organisation and by person, so each expert is checked only
/// against the applications that one of its affiliations or links, or the expert itself,
/// names: the work grows with the facts, not with experts × applications.
#[must_use]
pub fn detect_all(experts: &[ExpertFacts], apps: &[ApplicationFacts], on: Date, window_years: u32) -> Vec<Conflict> {
    let mut by_organisation: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut by_person: HashMap<i64, Vec<usize>> = HashMap::new();
    for (index, app) in apps.iter().enumerate() {
        let organisations = std::iter::once(app.organisation_id).chain(app.partner_organisations.iter().map(|p| p.0));
        for organisation in organisations {
            by_organisation.entry(organisation).or_default().push(index);
        }
        for &(person, _) in &app.people {
            by_person.entry(person).or_default().push(index);
        }
    }
    let none: &[usize] = &[];
    let of_organisation = |id: i64| by_organisation.get(&id).map_or(none, Vec::as_slice);
    let of_person = |id: i64| by_person.get(&id).map_or(none, Vec::as_slice);

    let mut out = Vec::new();
    let mut candidates: Vec<usize> = Vec::new();
    for expert in experts {
        candidates.clear();
        candidates.extend_from_slice(of_person(expert.person_id));
        for span in &expert.affiliations {
            candidates.extend_from_slice(of_organisation(span.organisation_id));
        }
        for link in &expert.links {
            if let Some(id) = link.organisation_id {
                candidates.extend_from_slice(of_organisation(id));
            }
            if let Some(id) = link.person_id {
                candidates.extend_from_slice(of_person(id));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for &index in &candidates {
            out.extend(detect(expert, &apps[index], on, window_years));
        }
    }
    sort_conflicts(&mut out);
    out
}

/// Sorts by (application, expert, kind, organisation, person) and drops exact repeats (from an
/// expert or application given twice).
fn sort_conflicts(conflicts: &mut Vec<Conflict>) {
    conflicts.sort_by(|a, b| {
        (a.application, a.expert, a.kind, a.organisation_id, a.person_id, &a.code, &a.args, a.since, a.until).cmp(&(
            b.application,
            b.expert,
            b.kind,
            b.organisation_id,
            b.person_id,
            &b.code,
            &b.args,
            b.since,
            b.until,
        ))
    });
    conflicts.dedup();
}

#[cfg(test)]
mod tests;
