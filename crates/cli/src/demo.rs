//! The Zhuzhou demo: the reference region tree, the generated registries (`gaodi-demo`), one
//! synthetic enterprise for the enterprise account, and one account per role with fresh
//! one-time passwords.

use gaodi_domain::access::{Role, Username};
use gaodi_domain::organisation::{uscc_check_char, OrganisationKind, Uscc};
use gaodi_domain::region::{zhuzhou_seed, RegionCode};
use gaodi_store::organisation::NewOrganisation;
use gaodi_store::user::{generate_password, NewUser};
use gaodi_store::{Actor, Store, StoreError};

/// A demo account and its one-time password.
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// Loads the reference region tree (idempotent).
pub async fn load_regions(store: &Store) -> Result<(usize, usize), StoreError> {
    let (regions, memberships) = zhuzhou_seed();
    store.load_regions(&Actor::system("demo"), &regions, &memberships).await
}

/// A synthetic, valid unified social credit code (not any real organisation's).
fn synthetic_uscc(body: &str) -> Uscc {
    let check = uscc_check_char(body).expect("synthetic code body uses the GB 32100 character set");
    Uscc::parse(&format!("{body}{check}")).expect("computed check character validates")
}

/// Loads the regions and the demo data set (no accounts).
pub async fn load_data(store: &Store) -> Result<(), StoreError> {
    load_regions(store).await?;
    gaodi_demo::load(store, &Actor::system("demo")).await?;
    Ok(())
}

/// Loads everything and (re)sets the demo accounts' one-time passwords.
pub async fn load(store: &Store) -> Result<Vec<DemoAccount>, StoreError> {
    let actor = Actor::system("demo");
    load_data(store).await?;
    let uscc = synthetic_uscc("91430202MA4T00001");
    let org = match store.organisation_by_uscc(uscc.as_str()).await? {
        Some(o) => o,
        None => {
            let new = NewOrganisation::basic(
                uscc,
                "株洲示例动力科技有限公司",
                OrganisationKind::Enterprise,
                RegionCode::parse("430202").expect("valid code"),
            );
            store.create_organisation(&actor, &gaodi_domain::access::Scope::All, &new).await?
        }
    };
    let hetang = RegionCode::parse("430202").expect("valid code");
    let accounts: [(&str, &str, Role); 6] = [
        ("admin", "系统管理员", Role::Admin),
        ("city", "市科技局 王科长", Role::CityStaff),
        ("district", "荷塘区科技局 李干事", Role::DistrictStaff),
        ("enterprise", "示例企业 张经理", Role::EnterpriseUser),
        ("expert", "评审专家 陈教授", Role::Expert),
        ("leader", "分管领导", Role::Leader),
    ];
    let mut out = Vec::new();
    for (name, display, role) in accounts {
        let password = generate_password();
        match store.user_by_name(name).await {
            Ok(u) => store.set_password(&actor, u.user_id, &password, true, None).await?,
            Err(StoreError::NotFound) => {
                let new = NewUser {
                    username: Username::parse(name).expect("valid demo username"),
                    display_name: display.to_owned(),
                    role,
                    regions: if role == Role::DistrictStaff { vec![hetang.clone()] } else { Vec::new() },
                    organisation_id: (role == Role::EnterpriseUser).then_some(org.organisation_id),
                };
                store.create_user(&actor, &new, &password).await?;
            }
            Err(e) => return Err(e),
        }
        out.push(DemoAccount { username: name.to_owned(), password, role });
    }
    // The demo expert reviews as 陈明远, a member of the open call's pool.
    let on = time::Date::from_calendar_date(2022, time::Month::June, 1).expect("a valid date");
    let expert = store.user_by_name("expert").await?;
    if store.user_person(expert.user_id).await?.is_none() {
        if let Some(p) = store.expert_pool(on).await?.into_iter().find(|p| p.name == gaodi_demo::projects::DEMO_EXPERT)
        {
            store.link_user_person(&actor, expert.user_id, p.person_id).await?;
        }
    }
    Ok(out)
}
