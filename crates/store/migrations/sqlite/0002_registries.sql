-- Registries, part 1: organisations in full, their dated tiers and IP items, platforms.

alter table organisation add column park_code text references region (region_code);
alter table organisation add column industry_code text;
alter table organisation add column founded_on text;

-- A tier (高新技术企业, 科技型中小企业, 专精特新, …) is a dated record with evidence, never a flag.
create table organisation_tier (
    organisation_tier_id integer primary key,
    organisation_id integer not null references organisation (organisation_id),
    kind text not null,
    -- certificate or registration number; the natural key of a re-import
    reference text,
    level text,
    valid_from text not null,
    valid_to text,
    evidence text not null default '',
    created_at text not null,
    retired_at text
);
create index organisation_tier_org on organisation_tier (organisation_id);
create index organisation_tier_kind on organisation_tier (kind, valid_from);
create unique index organisation_tier_reference on organisation_tier (kind, reference) where reference is not null;

create table platform (
    platform_id integer primary key,
    name text not null,
    kind text not null,
    level text not null,
    host_organisation_id integer references organisation (organisation_id),
    region_code text not null references region (region_code),
    -- approval document number; the natural key of a re-import
    reference text unique,
    approved_on text,
    status text not null,
    created_at text not null,
    updated_at text not null,
    retired_at text
);
create index platform_region on platform (region_code);
create index platform_host on platform (host_organisation_id);
