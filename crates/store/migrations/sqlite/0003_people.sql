-- People: one identity across roles (expert, commissioner, talent, applicant, …), their dated
-- roles and their dated affiliations to organisations.

create table person (
    person_id integer primary key,
    name text not null,
    -- the full number; the store masks it in every read except for admins
    id_number text,
    -- resident | foreign (null without a number)
    id_kind text,
    gender text,
    birth_year integer,
    region_code text not null references region (region_code),
    -- the current employer; past and parallel ones are in affiliation
    organisation_id integer references organisation (organisation_id),
    title text,
    email text,
    phone text,
    created_at text not null,
    updated_at text not null,
    retired_at text
);
create unique index person_id_number on person (id_number) where id_number is not null;
create index person_region on person (region_code);
create index person_organisation on person (organisation_id);
create index person_name on person (name);

-- A role is a dated record, never a flag: counts "at the end of 2021" read the dates.
create table person_role (
    person_role_id integer primary key,
    person_id integer not null references person (person_id),
    kind text not null,
    valid_from text not null,
    valid_to text,
    -- recognition document number, work permit number, …; with kind the natural key of a re-import
    reference text,
    -- experts: fields of expertise, comma-separated
    fields text,
    -- commissioners: the village or firm served
    assignment text,
    -- foreign experts
    nationality text,
    created_at text not null,
    retired_at text
);
create index person_role_person on person_role (person_id);
create index person_role_kind on person_role (kind, valid_from);
create unique index person_role_reference on person_role (kind, reference) where reference is not null;

create table affiliation (
    affiliation_id integer primary key,
    person_id integer not null references person (person_id),
    organisation_id integer not null references organisation (organisation_id),
    position text,
    valid_from text not null,
    valid_to text
);
create index affiliation_person on affiliation (person_id);
create index affiliation_organisation on affiliation (organisation_id);
