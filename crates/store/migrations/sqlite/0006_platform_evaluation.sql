-- Periodic evaluations of platforms (年度考核 / 定期评估): one result per platform and year.
create table platform_evaluation (
    platform_evaluation_id integer primary key,
    platform_id integer not null references platform (platform_id),
    year integer not null,
    result text not null check (result in ('excellent', 'good', 'pass', 'fail')),
    note text not null default '',
    created_at text not null,
    unique (platform_id, year)
);
