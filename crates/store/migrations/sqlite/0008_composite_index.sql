-- Composite index definitions (issue 6): one TOML text per version (method, indicator tree,
-- weights, year), as gaodi_domain::index::definition reads it. A change is a new version.
create table composite_index (
    index_code text not null,
    version integer not null,
    year integer not null,
    name_zh text not null,
    name_en text not null,
    definition text not null,
    created_by text not null,
    created_at text not null,
    primary key (index_code, version)
);
