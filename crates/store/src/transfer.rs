//! The registries that can be imported and exported, in one place: their template columns, the
//! import of each, and the unfiltered export of each (the web layer adds list filters).

use gaodi_domain::access::Scope;

use crate::import::{ColumnSpec, ImportReport};
use crate::person::IdView;
use crate::tabular::Table;
use crate::{Actor, Store, StoreError};

/// A registry that has an import template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryKind {
    Organisation,
    Tier,
    Financials,
    Ip,
    Platform,
    Person,
    Award,
    Contract,
    Loan,
    Event,
    Fact,
    Target,
}

impl RegistryKind {
    pub const ALL: [RegistryKind; 12] = [
        RegistryKind::Organisation,
        RegistryKind::Tier,
        RegistryKind::Financials,
        RegistryKind::Ip,
        RegistryKind::Platform,
        RegistryKind::Person,
        RegistryKind::Award,
        RegistryKind::Contract,
        RegistryKind::Loan,
        RegistryKind::Event,
        RegistryKind::Fact,
        RegistryKind::Target,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistryKind::Organisation => "organisation",
            RegistryKind::Tier => "tier",
            RegistryKind::Financials => "financials",
            RegistryKind::Ip => "ip",
            RegistryKind::Platform => "platform",
            RegistryKind::Person => "person",
            RegistryKind::Award => "award",
            RegistryKind::Contract => "contract",
            RegistryKind::Loan => "loan",
            RegistryKind::Event => "event",
            RegistryKind::Fact => "fact",
            RegistryKind::Target => "target",
        }
    }

    /// Parses the name used in URLs and on the command line.
    pub fn parse(s: &str) -> Option<RegistryKind> {
        RegistryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The names, for messages: `organisation, tier, …`.
    pub fn names() -> String {
        RegistryKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The template's Chinese headers.
    pub fn headers(self) -> Vec<String> {
        let zh = |cols: &[ColumnSpec]| cols.iter().map(|c| c.zh.to_owned()).collect();
        match self {
            RegistryKind::Organisation => zh(crate::organisation::ORGANISATION_COLUMNS),
            RegistryKind::Tier => zh(crate::tier::TIER_COLUMNS),
            RegistryKind::Financials => zh(&crate::facts::financial_columns()),
            RegistryKind::Ip => zh(crate::facts::IP_COLUMNS),
            RegistryKind::Platform => zh(crate::platform::PLATFORM_COLUMNS),
            RegistryKind::Person => zh(crate::person::PERSON_COLUMNS),
            RegistryKind::Award => zh(crate::activity::AWARD_COLUMNS),
            RegistryKind::Contract => zh(crate::activity::CONTRACT_COLUMNS),
            RegistryKind::Loan => zh(crate::activity::LOAN_COLUMNS),
            RegistryKind::Event => zh(crate::activity::EVENT_COLUMNS),
            RegistryKind::Fact => zh(crate::indicator::FACT_COLUMNS_SPEC),
            RegistryKind::Target => zh(crate::indicator::TARGET_COLUMNS_SPEC),
        }
    }
}

impl Store {
    /// Imports a table into a registry, all or nothing (see each registry's import).
    pub async fn import_registry(
        &self,
        kind: RegistryKind,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
    ) -> Result<ImportReport, StoreError> {
        match kind {
            RegistryKind::Organisation => self.import_organisations(actor, scope, table).await,
            RegistryKind::Tier => self.import_tiers(actor, scope, table).await,
            RegistryKind::Financials => self.import_financials(actor, scope, table).await,
            RegistryKind::Ip => self.import_ip(actor, scope, table).await,
            RegistryKind::Platform => self.import_platforms(actor, scope, table).await,
            RegistryKind::Person => self.import_people(actor, scope, table).await,
            RegistryKind::Award => self.import_awards(actor, scope, table).await,
            RegistryKind::Contract => self.import_contracts(actor, scope, table).await,
            RegistryKind::Loan => self.import_loans(actor, scope, table).await,
            RegistryKind::Event => self.import_events(actor, scope, table).await,
            RegistryKind::Fact => self.import_facts(actor, scope, table, &format!("import:{}", table.sheet)).await,
            RegistryKind::Target => self.import_targets(actor, scope, table).await,
        }
    }

    /// Every live record of a registry inside the scope, in its template's layout (an export
    /// re-imports unchanged). ID numbers are shown as `ids` says.
    pub async fn export_registry(
        &self,
        kind: RegistryKind,
        scope: &Scope,
        ids: IdView,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), StoreError> {
        match kind {
            RegistryKind::Organisation => {
                Ok(crate::organisation::organisation_rows(&self.list_organisations(scope).await?))
            }
            RegistryKind::Tier => self.tier_rows(scope).await,
            RegistryKind::Financials => self.financial_rows(scope).await,
            RegistryKind::Ip => self.ip_rows(scope).await,
            RegistryKind::Platform => self.platform_rows(scope, &crate::platform::PlatformFilter::default()).await,
            RegistryKind::Person => Ok(crate::person::person_rows(
                &self.list_people_with_roles(scope, &crate::person::PersonFilter::default(), ids).await?,
            )),
            RegistryKind::Award => {
                Ok(crate::activity::award_rows(&self.list_awards_filtered(scope, &Default::default()).await?))
            }
            RegistryKind::Contract => {
                Ok(crate::activity::contract_rows(&self.list_contracts_filtered(scope, &Default::default()).await?))
            }
            RegistryKind::Loan => {
                Ok(crate::activity::loan_rows(&self.list_loans_filtered(scope, &Default::default()).await?))
            }
            RegistryKind::Event => {
                Ok(crate::activity::event_rows(&self.list_events_filtered(scope, &Default::default()).await?))
            }
            RegistryKind::Fact => Ok((kind.headers(), self.fact_rows(scope).await?)),
            RegistryKind::Target => {
                let year = time::OffsetDateTime::now_utc().year();
                let mut rows = Vec::new();
                // Targets of the plans of recent and coming years.
                for y in year - 6..=year + 1 {
                    rows.extend(self.target_rows(scope, y).await?);
                }
                Ok((kind.headers(), rows))
            }
        }
    }
}
