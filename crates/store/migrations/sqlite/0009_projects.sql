-- Projects from call to acceptance: calls (ordinary and challenge-list), applications with their
-- answers and attachments, screening, conflicts of interest, the panel draw, review assignments
-- and reviews, decisions, and projects with milestones, tranches and change requests. Money is
-- whole fen in bigint `*_fen` columns; scores are units of 1e-4 in bigint `*_e4` columns.

-- An expert's login is tied to their person record: conflicts and assignments are by person.
alter table app_user add column person_id integer references person (person_id);

create table call (
    call_id integer primary key,
    -- the bureau's number of the call, e.g. ZZ-2021-KJ-01
    code text not null unique,
    title text not null,
    -- 计划 / 专项, e.g. 株洲市重点研发计划
    programme text not null,
    level text not null,
    kind text not null,
    status text not null,
    budget_fen bigint not null,
    opens_on text not null,
    closes_at text not null,
    grace_minutes integer not null,
    -- a gaodi-expr condition over the applicant facts (project::eligibility::FACTS)
    eligibility text,
    max_per_lead integer not null,
    max_concurrent integer,
    -- review: reviewers per application (k), most applications per expert (L), panel drawn
    per_application integer not null,
    max_per_expert integer not null,
    panel_size integer not null,
    -- conflicts: former colleagues within this many years
    conflict_years integer not null,
    -- at least this many industry experts per application (0: no constraint)
    industry_min integer not null,
    -- fields of expertise the panel is drawn from, comma-separated (empty: all)
    expert_fields text not null,
    form_json text not null,
    review_json text not null,
    region_code text not null references region (region_code),
    created_at text not null,
    updated_at text not null
);

-- A demand of a firm on a challenge-list call (揭榜挂帅), vetted and published before teams register.
create table challenge (
    challenge_id integer primary key,
    call_id integer not null references call (call_id),
    demand_organisation_id integer not null references organisation (organisation_id),
    title text not null,
    description text not null,
    budget_fen bigint not null,
    status text not null,
    note text,
    created_at text not null,
    updated_at text not null
);
create index challenge_call on challenge (call_id);

create table application (
    application_id integer primary key,
    call_id integer not null references call (call_id),
    challenge_id integer references challenge (challenge_id),
    organisation_id integer not null references organisation (organisation_id),
    -- the applicant's region, for the district bureau's scope
    region_code text not null references region (region_code),
    lead_person_id integer references person (person_id),
    lead_name text not null,
    title text not null,
    requested_fen bigint not null,
    answers_json text not null,
    status text not null,
    submitted_at text,
    -- the reason of the last return, failed screening or rejection
    reason text,
    screening_json text,
    score_e4 bigint,
    spread_e4 bigint,
    rank integer,
    created_at text not null,
    updated_at text not null
);
create index application_call on application (call_id, status);
create index application_organisation on application (organisation_id);
create index application_region on application (region_code);

-- People of an application's team besides the lead (co-applicants), and partner organisations.
create table application_member (
    application_id integer not null references application (application_id),
    person_id integer not null references person (person_id),
    primary key (application_id, person_id)
);
create table application_partner (
    application_id integer not null references application (application_id),
    organisation_id integer not null references organisation (organisation_id),
    primary key (application_id, organisation_id)
);

create table attachment (
    attachment_id integer primary key,
    application_id integer not null references application (application_id),
    field_key text not null,
    file_name text not null,
    size_bytes bigint not null,
    sha256 text not null,
    content blob not null,
    created_at text not null
);
create index attachment_application on attachment (application_id, field_key);

-- Relations of an expert that conflicts are detected from, besides employment (affiliation):
-- shareholding, advisor, personal, part-time employment, declared by the expert.
create table expert_link (
    expert_link_id integer primary key,
    person_id integer not null references person (person_id),
    kind text not null,
    organisation_id integer references organisation (organisation_id),
    other_person_id integer references person (person_id),
    note text not null,
    created_at text not null
);
create index expert_link_person on expert_link (person_id);

-- Periods an expert is not available for review.
create table expert_absence (
    expert_absence_id integer primary key,
    person_id integer not null references person (person_id),
    from_on text not null,
    to_on text not null,
    reason text not null
);
create index expert_absence_person on expert_absence (person_id);

-- A detected or declared conflict between an expert and an application; dismissed only by staff
-- with a reason, never deleted.
create table conflict (
    conflict_id integer primary key,
    call_id integer not null references call (call_id),
    application_id integer not null references application (application_id),
    person_id integer not null references person (person_id),
    kind text not null,
    source text not null,
    code text not null,
    args_json text not null,
    since_on text,
    until_on text,
    dismissed_reason text,
    dismissed_by text,
    dismissed_at text,
    created_at text not null,
    unique (application_id, person_id, kind, code)
);
create index conflict_call on conflict (call_id, person_id);

-- A panel draw: the seed and the pool digest let anyone replay it (project::draw).
create table panel_draw (
    panel_draw_id integer primary key,
    call_id integer not null references call (call_id),
    -- the u64 seed in decimal
    seed text not null,
    seed_source text not null,
    pool_digest text not null,
    pool_size integer not null,
    size integer not null,
    order_json text not null,
    created_by text not null,
    created_at text not null
);

-- Panel members of a call, in draw order; a replaced member keeps the row with the reason.
create table panel_member (
    call_id integer not null references call (call_id),
    person_id integer not null references person (person_id),
    panel_draw_id integer not null references panel_draw (panel_draw_id),
    position integer not null,
    status text not null,
    replaced_reason text,
    primary key (call_id, person_id)
);

create table review_assignment (
    review_assignment_id integer primary key,
    call_id integer not null references call (call_id),
    application_id integer not null references application (application_id),
    person_id integer not null references person (person_id),
    status text not null,
    affinity_e4 bigint not null,
    due_on text not null,
    reminded_at text,
    reason text,
    created_at text not null,
    unique (application_id, person_id)
);
create index review_assignment_person on review_assignment (person_id, status);
create index review_assignment_call on review_assignment (call_id);

create table review (
    review_assignment_id integer primary key references review_assignment (review_assignment_id),
    scores_json text not null,
    overall_e4 bigint not null,
    comment text not null,
    submitted_at text not null
);

create table decision (
    application_id integer primary key references application (application_id),
    outcome text not null,
    granted_fen bigint,
    minutes text not null,
    decided_by text not null,
    decided_at text not null
);

create table project (
    project_id integer primary key,
    application_id integer not null unique references application (application_id),
    call_id integer not null references call (call_id),
    challenge_id integer references challenge (challenge_id),
    code text not null unique,
    title text not null,
    organisation_id integer not null references organisation (organisation_id),
    region_code text not null references region (region_code),
    status text not null,
    granted_fen bigint not null,
    approved_on text not null,
    agreement_no text,
    agreement_on text,
    start_on text not null,
    end_on text not null,
    midterm_result text,
    midterm_note text,
    midterm_on text,
    acceptance_note text,
    acceptance_on text,
    created_at text not null,
    updated_at text not null
);
create index project_organisation on project (organisation_id, status);
create index project_region on project (region_code);

-- A dated obligation of a project; accepting its report releases its tranche.
create table milestone (
    milestone_id integer primary key,
    project_id integer not null references project (project_id),
    seq integer not null,
    title text not null,
    due_on text not null,
    state text not null,
    tranche_fen bigint not null,
    report text,
    reason text,
    submitted_at text,
    decided_at text,
    released_on text,
    unique (project_id, seq)
);
create index milestone_due on milestone (state, due_on);

create table project_change (
    project_change_id integer primary key,
    project_id integer not null references project (project_id),
    kind text not null,
    reason text not null,
    new_budget_fen bigint,
    new_end_on text,
    status text not null,
    note text,
    requested_at text not null,
    decided_at text
);
create index project_change_project on project_change (project_id);
