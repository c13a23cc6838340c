-- Indicators (issue 5): measures and the facts reported for them (with provenance and
-- revisions), indicator definitions versioned by year, plans and their targets.

-- What a reported number is: 全社会研发经费, 地区生产总值, …
create table measure (
    measure_code text primary key,
    name_zh text not null,
    name_en text not null,
    unit_zh text not null,
    unit_en text not null,
    decimals integer not null,
    -- how a year is made of its months or quarters: sum | last | average
    time_aggregation text not null,
    -- how a parent region is made of its children: sum | none
    space_aggregation text not null,
    created_at text not null,
    updated_at text not null
);

-- One reported number, exact (value in units of 1e-4), of a region or an organisation, for a
-- period, from a source. A correction is a new revision; earlier revisions are kept, and only
-- the newest (is_current) counts.
create table fact (
    fact_id integer primary key,
    measure_code text not null references measure (measure_code),
    region_code text references region (region_code),
    organisation_id integer references organisation (organisation_id),
    period text not null,
    -- who reported it: statistics_bureau, bureau, district, enterprise, demo, …
    source text not null,
    value_e4 bigint not null,
    revision integer not null,
    is_current integer not null,
    -- where it came from: import:<file name>, api, submission:<id>, demo
    origin text not null,
    note text not null default '',
    created_by text not null,
    created_at text not null,
    check ((region_code is null) <> (organisation_id is null))
);
create index fact_lookup on fact (measure_code, period, region_code);
create index fact_organisation on fact (organisation_id);

-- An indicator's definition from a year on (valid_to exclusive); the formula is gaodi-expr
-- source, or null for an indicator that is its measure of the same code as reported.
create table indicator (
    indicator_code text not null,
    valid_from integer not null,
    valid_to integer,
    name_zh text not null,
    name_en text not null,
    unit_zh text not null,
    unit_en text not null,
    formula text,
    space_aggregation text not null,
    time_aggregation text not null,
    direction text not null,
    decimals integer not null,
    created_at text not null,
    updated_at text not null,
    primary key (indicator_code, valid_from)
);

-- A plan version (e.g. the 2022 annual plan); targets belong to one.
create table plan (
    plan_id integer primary key,
    plan_code text not null,
    version integer not null,
    name_zh text not null,
    name_en text not null,
    year integer not null,
    status text not null,
    created_at text not null,
    updated_at text not null,
    unique (plan_code, version)
);

create table target (
    target_id integer primary key,
    plan_id integer not null references plan (plan_id),
    indicator_code text not null,
    region_code text not null references region (region_code),
    period text not null,
    comparator text not null,
    value_e4 bigint not null,
    note text not null default '',
    created_at text not null,
    updated_at text not null,
    unique (plan_id, indicator_code, region_code, period)
);
