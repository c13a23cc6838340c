-- Foundation: regions and their dated memberships, organisations (the minimum users are scoped
-- to; the registries issue extends it), users, sessions, API tokens, the audit log.

create table region (
    region_code text primary key,
    name_zh text not null,
    name_en text not null,
    kind text not null,
    -- national / provincial, for parks only
    park_level text,
    created_at text not null,
    updated_at text not null
);

-- A region hangs under a parent from valid_from (year, inclusive) to valid_to (year, exclusive).
create table region_membership (
    region_membership_id integer primary key,
    child_code text not null references region (region_code),
    parent_code text not null references region (region_code),
    hierarchy text not null check (hierarchy in ('administrative', 'park')),
    valid_from integer not null,
    valid_to integer,
    check (valid_to is null or valid_to > valid_from),
    unique (child_code, parent_code, hierarchy, valid_from)
);
create index region_membership_parent on region_membership (parent_code);

create table organisation (
    organisation_id integer primary key,
    uscc text not null unique,
    name text not null,
    kind text not null,
    region_code text not null references region (region_code),
    created_at text not null,
    updated_at text not null,
    retired_at text
);
create index organisation_region on organisation (region_code);

create table app_user (
    user_id integer primary key,
    username text not null unique,
    display_name text not null,
    role text not null,
    organisation_id integer references organisation (organisation_id),
    password_hash text not null,
    must_change_password integer not null default 1,
    disabled integer not null default 0,
    failed_logins integer not null default 0,
    locked_until text,
    last_login_at text,
    created_at text not null,
    updated_at text not null
);

-- Regions a district user may see and change (with everything below them).
create table user_region (
    user_id integer not null references app_user (user_id),
    region_code text not null references region (region_code),
    primary key (user_id, region_code)
);

-- The cookie holds a random token; only its SHA-256 is stored.
create table session (
    session_id integer primary key,
    token_hash text not null unique,
    user_id integer not null references app_user (user_id),
    csrf_token text not null,
    created_at text not null,
    expires_at text not null,
    last_seen_at text not null
);
create index session_by_user on session (user_id);

create table api_token (
    api_token_id integer primary key,
    user_id integer not null references app_user (user_id),
    name text not null,
    token_hash text not null unique,
    created_at text not null,
    last_used_at text,
    revoked_at text
);

-- Append-only and hash-chained; see gaodi_domain::audit.
create table audit_event (
    seq integer primary key,
    at_micros integer not null,
    actor_id integer,
    actor_name text not null,
    request_id text not null,
    action text not null,
    entity_kind text not null,
    entity_id text not null,
    region_code text,
    organisation_id integer,
    before_json text,
    after_json text,
    prev_hash text not null,
    hash text not null
);
create index audit_event_entity on audit_event (entity_kind, entity_id);
create index audit_event_region on audit_event (region_code);

create table audit_head (
    audit_head_id integer primary key check (audit_head_id = 1),
    seq integer not null,
    hash text not null
);
insert into audit_head (audit_head_id, seq, hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

create trigger audit_event_no_update before update on audit_event
begin
    select raise(abort, 'audit_event is append-only');
end;
create trigger audit_event_no_delete before delete on audit_event
begin
    select raise(abort, 'audit_event is append-only');
end;
