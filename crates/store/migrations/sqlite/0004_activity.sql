-- Activity registries: S&T awards, technology contracts, tech-finance loans and their events,
-- popularisation and other S&T events. Money is exact: whole fen in bigint `*_fen` columns, never floats.

create table award (
    award_id integer primary key,
    -- the award as announced, e.g. 湖南省科学技术进步奖
    name text not null,
    category text not null,
    level text not null,
    grade text not null,
    year integer not null,
    project_title text not null,
    region_code text not null references region (region_code),
    -- certificate or announcement number; with the year, the natural key of a re-import
    reference text not null,
    -- the lead organisation (rank 1 in award_organisation), kept here for scope filtering
    organisation_id integer references organisation (organisation_id),
    -- the people as announced, until awards link to person records
    person_names text,
    created_at text not null,
    updated_at text not null,
    retired_at text,
    unique (year, reference)
);
create index award_region on award (region_code);
create index award_organisation_lead on award (organisation_id);

-- Every organisation credited with an award, in the announced order (rank 1 = lead).
create table award_organisation (
    award_id integer not null references award (award_id),
    organisation_id integer not null references organisation (organisation_id),
    rank integer not null,
    primary key (award_id, organisation_id),
    unique (award_id, rank)
);
create index award_organisation_org on award_organisation (organisation_id);

create table tech_contract (
    tech_contract_id integer primary key,
    -- the registration number of the technology market; the natural key of a re-import
    contract_no text not null unique,
    kind text not null,
    title text not null,
    amount_fen bigint not null,
    technical_income_fen bigint,
    seller_organisation_id integer references organisation (organisation_id),
    seller_name text not null,
    -- the contract counts where the seller is (tech_contract_turnover)
    seller_region_code text not null references region (region_code),
    buyer_organisation_id integer references organisation (organisation_id),
    buyer_name text not null,
    -- null when the buyer is outside the region tree (another province, abroad)
    buyer_region_code text references region (region_code),
    registered_on text not null,
    field text,
    created_at text not null,
    updated_at text not null,
    retired_at text
);
create index tech_contract_seller_region on tech_contract (seller_region_code, registered_on);
create index tech_contract_seller on tech_contract (seller_organisation_id);

create table loan (
    loan_id integer primary key,
    -- the bank's loan contract number; the natural key of a re-import
    contract_no text not null unique,
    scheme text not null,
    bank text not null,
    -- scope follows the borrower's region
    borrower_organisation_id integer not null references organisation (organisation_id),
    amount_fen bigint not null,
    start_on text not null,
    due_on text not null,
    status text not null,
    created_at text not null,
    updated_at text not null,
    retired_at text
);
create index loan_borrower on loan (borrower_organisation_id);
create index loan_start on loan (start_on);

-- What happened to a loan (default, compensation by the risk pool, repayment): facts, never edited.
create table loan_event (
    loan_event_id integer primary key,
    loan_id integer not null references loan (loan_id),
    kind text not null,
    occurred_on text not null,
    amount_fen bigint not null,
    note text,
    created_at text not null
);
create index loan_event_loan on loan_event (loan_id, occurred_on);

-- `event` alone reads like the audit log's events; these are S&T events held in a region.
create table st_event (
    st_event_id integer primary key,
    kind text not null,
    title text not null,
    held_on text not null,
    ends_on text,
    organiser text not null,
    organiser_organisation_id integer references organisation (organisation_id),
    region_code text not null references region (region_code),
    participants bigint not null default 0,
    outcome text,
    created_at text not null,
    updated_at text not null,
    retired_at text,
    -- events have no number: the place, first day and title identify one for a re-import
    unique (region_code, held_on, title)
);
create index st_event_held on st_event (held_on);
