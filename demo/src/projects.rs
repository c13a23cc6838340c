//! The 2021 project year of the demo, loaded through the same store functions the pages use:
//!
//! - 602 applications to provincial-and-above programmes (F019): 86 to national and 516 to
//!   provincial calls, filed in the higher levels' portals and recorded by the city, of which
//!   12 + 86 = 98 were approved (`natl_prov_projects_approved` for 2021, counted from them), with
//!   the granted amounts adding up, with the municipal projects, to 52,000 万元
//!   of 2021 (`project_funding`);
//! - the municipal key R&D call (60 applications): submission, district endorsement (two
//!   returned, one withdrawn), screening, conflicts, a seeded panel draw, the optimal
//!   assignment, reviews, ranking, 26 approvals and their follow-up to acceptance (a few still
//!   running with an overdue report);
//! - a challenge-list call (揭榜挂帅): six firms' demands (five published), twelve teams racing,
//!   one team approved per challenge and accepted by the demand-side firm;
//! - the 2022 key R&D call, open, with eight applications endorsed and waiting for screening,
//!   and a small pool in 先进储能 that includes the demo expert (陈明远).
//!
//! Idempotent: nothing is loaded when the 2021 municipal call exists.

use std::collections::BTreeMap;

use gaodi_domain::access::Scope;
use gaodi_domain::person::{PersonRole, PersonRoleKind, RoleDetails};
use gaodi_domain::project::form::FormTemplate;
use gaodi_domain::project::lifecycle::{ApplicationAction, CallAction, CallKind, CallLevel, MidtermResult};
use gaodi_domain::project::review::ReviewTemplate;
use gaodi_domain::region::RegionCode;
use gaodi_store::person::{IdView, NewPerson};
use gaodi_store::project::{ExternalApplication, NewApplication, NewCall, NewChallenge};
use gaodi_store::project_follow::Decision;
use gaodi_store::{Actor, Store, StoreError};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

/// The demo expert's name (the `expert` account is linked to this person).
pub const DEMO_EXPERT: &str = "陈明远";
/// The open call of the demo.
pub const OPEN_CALL: &str = "ZZ-2022-ZD";
const MUNICIPAL_CALL: &str = "ZZ-2021-ZD";
/// 2021 funding of approved projects (万元 in fen): `project_funding`, counted from the projects.
const FUNDING_2021_FEN: i64 = 52_000 * 1_000_000;

const TOPICS: [(&str, &str); 12] = [
    ("新材料", "高性能硬质合金刀具涂层"),
    ("轨道交通装备", "重载机车永磁牵引系统"),
    ("电力电子", "碳化硅功率模块封装"),
    ("航空动力", "中小型航空发动机燃烧室"),
    ("先进陶瓷", "电子陶瓷基板低温共烧"),
    ("智能制造", "轨道交通部件柔性产线"),
    ("电子信息", "车规级芯片测试平台"),
    ("生物医药", "中药配方颗粒质量标准"),
    ("现代农业", "油茶良种高效栽培"),
    ("节能环保", "工业窑炉余热梯级利用"),
    ("新材料", "石墨烯导热膜制备"),
    ("智能制造", "数字孪生运维系统"),
];

fn answers(field: &str, start: Date, months: i64, own_wan: i64) -> BTreeMap<String, String> {
    [
        ("summary", format!("围绕{field}领域关键技术开展攻关，形成可推广的成套工艺和示范应用。")),
        ("field", field.to_owned()),
        ("start_on", start.to_string()),
        ("months", months.to_string()),
        ("own_funds", own_wan.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn call(
    code: &str,
    title: &str,
    programme: &str,
    level: CallLevel,
    kind: CallKind,
    opens: Date,
    closes: OffsetDateTime,
) -> NewCall {
    NewCall {
        code: code.to_owned(),
        title: title.to_owned(),
        programme: programme.to_owned(),
        level,
        kind,
        budget_fen: 0,
        opens_on: opens,
        closes_at: closes,
        grace_minutes: 30,
        eligibility: Some("in_city = 1 and overdue_projects = 0".to_owned()),
        max_per_lead: 1,
        max_concurrent: Some(3),
        per_application: 3,
        max_per_expert: 8,
        panel_size: 24,
        conflict_years: 3,
        industry_min: 1,
        expert_fields: String::new(),
        form: FormTemplate::standard(),
        review: ReviewTemplate::standard(),
        region_code: "430200".to_owned(),
    }
}

/// Enterprises of the city (id, region), in a fixed order.
async fn enterprises(store: &Store) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out: Vec<(i64, String)> = store
        .list_organisations(&Scope::All)
        .await?
        .into_iter()
        .filter(|o| o.kind == "enterprise" && o.retired_at.is_none())
        .map(|o| (o.organisation_id, o.region_code))
        .collect();
    out.sort_unstable();
    Ok(out)
}

fn at(d: Date, hour: u8) -> OffsetDateTime {
    d.with_hms(hour, 0, 0).expect("a valid time").assume_utc()
}

/// Loads the project year (see the module documentation).
pub async fn load(store: &Store, actor: &Actor) -> Result<(), StoreError> {
    if store.calls().await?.iter().any(|c| c.code == MUNICIPAL_CALL) {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(crate::SEED ^ 0x7072_6f6a);
    let firms = enterprises(store).await?;
    let mut order: Vec<usize> = (0..firms.len()).collect();
    order.shuffle(&mut rng);
    let mut next_firm = order.into_iter();
    let mut municipal_fen = 0i64;

    // ---- the municipal key R&D call, reviewed in gaodi ----------------------------------
    let mut new = call(
        MUNICIPAL_CALL,
        "2021年株洲市重点研发计划项目",
        "株洲市重点研发计划",
        CallLevel::Municipal,
        CallKind::Ordinary,
        date!(2021 - 03 - 01),
        datetime!(2021-04-30 09:00 UTC),
    );
    new.budget_fen = 6_000 * 1_000_000;
    let zd = store.create_call(actor, &new).await?;
    store.call_action(actor, zd.call_id, CallAction::Open).await?;
    let mut apps = Vec::new();
    for n in 0..60 {
        let (org, _) = firms[next_firm.next().expect("enough firms")].clone();
        let (field, topic) = TOPICS[n % TOPICS.len()];
        let mut a = answers(field, date!(2021 - 07 - 01), 24, rng.gen_range(50..400));
        if n == 17 || n == 41 {
            a.remove("field"); // incomplete: fails screening
        }
        let app = NewApplication {
            organisation_id: org,
            title: format!("{topic}关键技术研究{}", ["", "（二期）", "与示范"][n % 3]),
            lead_name: format!("项目负责人{n:02}"),
            requested_fen: rng.gen_range(60..300) * 1_000_000,
            answers: a,
            ..NewApplication::default()
        };
        let created = store.create_application(actor, &Scope::All, zd.call_id, &app).await?;
        let day = date!(2021 - 03 - 10) + time::Duration::days(rng.gen_range(0..50));
        store
            .application_action(
                actor,
                &Scope::All,
                created.application_id,
                ApplicationAction::Submit,
                None,
                at(day, 10),
            )
            .await?;
        let step = match n {
            5 | 33 => Some((ApplicationAction::Return, Some("申报书缺少单位盖章页，请补充后重新提交"))),
            48 => Some((ApplicationAction::Withdraw, None)),
            _ => Some((ApplicationAction::Endorse, None)),
        };
        if let Some((action, reason)) = step {
            store
                .application_action(
                    actor,
                    &Scope::All,
                    created.application_id,
                    action,
                    reason,
                    at(date!(2021 - 04 - 30), 12),
                )
                .await?;
        }
        apps.push(created.application_id);
    }
    store.call_action(actor, zd.call_id, CallAction::Close).await?;
    store.screen_call(actor, zd.call_id, date!(2021 - 05 - 08)).await?;
    store
        .draw_panel(actor, zd.call_id, "2021-05-10 福利彩票3D 第2021120期 开奖号码 538", date!(2021 - 05 - 10))
        .await?;
    store.assign_reviews(actor, zd.call_id, date!(2021 - 05 - 12)).await?;
    review_all(store, actor, zd.call_id, &mut rng, date!(2021 - 05 - 20)).await?;
    let standings = store.rank_call(actor, zd.call_id).await?;
    let mut approved = Vec::new();
    for s in &standings {
        let app = store.application(&Scope::All, s.application).await?;
        let approve = approved.len() < 26 && s.passes;
        let granted = (app.requested_fen * 8 / 10) / 1_000_000 * 1_000_000;
        let d = Decision {
            approve,
            granted_fen: granted,
            minutes: if approve {
                format!("2021年第3次主任办公会：排名第{}，同意立项，资助{}万元。", s.rank, granted / 1_000_000)
            } else {
                format!("2021年第3次主任办公会：排名第{}，本年度不予立项。", s.rank)
            },
            decided_on: date!(2021 - 06 - 15),
            months: 24,
        };
        if let Some(p) = store.decide(actor, s.application, &d).await? {
            municipal_fen += granted;
            approved.push(p.project_id);
        }
    }
    store.call_action(actor, zd.call_id, CallAction::Decide).await?;
    follow_up(store, actor, &approved, &mut rng).await?;

    // ---- the challenge list ------------------------------------------------------------
    let mut new = call(
        "ZZ-2021-JB",
        "2021年株洲市“揭榜挂帅”科技项目",
        "株洲市揭榜挂帅制科技项目",
        CallLevel::Municipal,
        CallKind::Challenge,
        date!(2021 - 06 - 01),
        datetime!(2021-07-31 09:00 UTC),
    );
    new.budget_fen = 1_500 * 1_000_000;
    new.per_application = 3;
    new.panel_size = 12;
    let jb = store.create_call(actor, &new).await?;
    store.call_action(actor, jb.call_id, CallAction::Open).await?;
    let demands = [
        ("大功率IGBT芯片国产化替代", 400),
        ("硬质合金刀片激光微织构", 250),
        ("陶瓷3D打印成形装备", 300),
        ("磁悬浮线路状态智能巡检", 350),
        ("航空锻件缺陷在线检测", 200),
        ("传统工艺陶瓷釉料数据库", 80),
    ];
    let mut challenges = Vec::new();
    for (i, (title, wan)) in demands.iter().enumerate() {
        let (org, _) = firms[next_firm.next().expect("enough firms")].clone();
        let c = store
            .propose_challenge(
                actor,
                &Scope::All,
                jb.call_id,
                org,
                &NewChallenge {
                    title: (*title).to_owned(),
                    description: format!("需求方面向全国张榜：{title}，限期两年完成并由需求方验收。"),
                    budget_fen: wan * 1_000_000,
                },
            )
            .await?;
        let publish = i != 5;
        store
            .vet_challenge(actor, c.challenge_id, publish, if publish { "" } else { "属一般性技术服务，不列入榜单" })
            .await?;
        if publish {
            challenges.push(c.challenge_id);
        }
    }
    for (i, ch) in challenges.iter().cycle().take(12).enumerate() {
        let (org, _) = firms[next_firm.next().expect("enough firms")].clone();
        let app = NewApplication {
            organisation_id: org,
            challenge_id: Some(*ch),
            title: format!("揭榜方案{}：{}", i + 1, demands[challenges.iter().position(|c| c == ch).unwrap_or(0)].0),
            lead_name: format!("揭榜团队负责人{i:02}"),
            requested_fen: demands[challenges.iter().position(|c| c == ch).unwrap_or(0)].1 * 1_000_000,
            answers: answers(TOPICS[i % TOPICS.len()].0, date!(2021 - 09 - 01), 24, 200),
            ..NewApplication::default()
        };
        let created = store.create_application(actor, &Scope::All, jb.call_id, &app).await?;
        store
            .application_action(
                actor,
                &Scope::All,
                created.application_id,
                ApplicationAction::Submit,
                None,
                at(date!(2021 - 07 - 20), 9),
            )
            .await?;
        store
            .application_action(
                actor,
                &Scope::All,
                created.application_id,
                ApplicationAction::Endorse,
                None,
                at(date!(2021 - 07 - 30), 9),
            )
            .await?;
    }
    store.call_action(actor, jb.call_id, CallAction::Close).await?;
    store.screen_call(actor, jb.call_id, date!(2021 - 08 - 05)).await?;
    store
        .draw_panel(actor, jb.call_id, "2021-08-06 福利彩票3D 第2021211期 开奖号码 172", date!(2021 - 08 - 06))
        .await?;
    store.assign_reviews(actor, jb.call_id, date!(2021 - 08 - 08)).await?;
    review_all(store, actor, jb.call_id, &mut rng, date!(2021 - 08 - 15)).await?;
    let standings = store.rank_call(actor, jb.call_id).await?;
    let mut won = std::collections::BTreeSet::new();
    let mut challenge_projects = Vec::new();
    for s in &standings {
        let app = store.application(&Scope::All, s.application).await?;
        let ch = app.challenge_id.unwrap_or_default();
        let approve = won.insert(ch);
        let d = Decision {
            approve,
            granted_fen: app.requested_fen,
            minutes: if approve {
                "揭榜评审：综合排名第一，确定为揭榜团队。".to_owned()
            } else {
                "揭榜评审：赛马未胜出。".to_owned()
            },
            decided_on: date!(2021 - 09 - 01),
            months: 24,
        };
        if let Some(p) = store.decide(actor, s.application, &d).await? {
            municipal_fen += app.requested_fen;
            challenge_projects.push((p.project_id, ch));
        }
    }
    store.call_action(actor, jb.call_id, CallAction::Decide).await?;
    for (n, (pid, ch)) in challenge_projects.iter().enumerate() {
        store.sign_agreement(actor, *pid, &format!("ZZJB-2021-{:03}", n + 1), date!(2021 - 09 - 20)).await?;
        let ms = store.milestones(*pid, date!(2021 - 09 - 20)).await?;
        store
            .submit_milestone(
                actor,
                &Scope::All,
                ms[1].milestone_id,
                "阶段目标达成：样机完成台架试验",
                date!(2022 - 08 - 20),
            )
            .await?;
        store
            .decide_milestone(actor, ms[1].milestone_id, true, Some("里程碑节点验收通过"), date!(2022 - 09 - 05))
            .await?;
        if n < 4 {
            let demand = store.challenge(*ch).await?.demand_organisation_id;
            store
                .accept_project(
                    actor,
                    *pid,
                    true,
                    "需求方组织现场测试，各项指标达到榜单要求",
                    Some(demand),
                    date!(2023 - 09 - 10),
                )
                .await?;
        }
    }

    // ---- provincial and national calls, filed in the higher levels' portals ------------
    let mut external = Vec::new();
    let national = store
        .create_call(
            actor,
            &call(
                "ZZ-2021-GJ",
                "2021年国家科技计划项目推荐",
                "国家重点研发计划等",
                CallLevel::National,
                CallKind::Ordinary,
                date!(2021 - 01 - 10),
                datetime!(2021-10-31 09:00 UTC),
            ),
        )
        .await?;
    let provincial = store
        .create_call(
            actor,
            &call(
                "ZZ-2021-SJ",
                "2021年湖南省科技计划项目推荐",
                "湖南省重点研发计划、“揭榜挂帅”等",
                CallLevel::Provincial,
                CallKind::Ordinary,
                date!(2021 - 01 - 10),
                datetime!(2021-10-31 09:00 UTC),
            ),
        )
        .await?;
    // Grants: 12 national and 86 provincial approvals sharing what the municipal ones leave
    // of the 2021 total, in whole 万元.
    let external_total = FUNDING_2021_FEN - municipal_fen;
    let weights: Vec<i64> = (0..98).map(|i| if i < 12 { 5 } else { 1 } * rng.gen_range(80..120)).collect();
    let sum: i64 = weights.iter().sum();
    let mut grants: Vec<i64> = weights.iter().map(|w| external_total * w / sum / 1_000_000 * 1_000_000).collect();
    let short = external_total - grants.iter().sum::<i64>();
    grants[0] += short;
    for (call_id, count, approvals, offset) in
        [(national.call_id, 86usize, 12usize, 0usize), (provincial.call_id, 516, 86, 12)]
    {
        let mut rows = Vec::with_capacity(count);
        for i in 0..count {
            let (org, _) = firms[next_firm.next().unwrap_or(i % firms.len())].clone();
            let (field, topic) = TOPICS[(i + offset) % TOPICS.len()];
            let day = date!(2021 - 02 - 01) + time::Duration::days(rng.gen_range(0..240));
            let granted = if i < approvals {
                Some(grants[offset + i])
            } else if i % 7 == 0 {
                None
            } else {
                Some(0)
            };
            rows.push(ExternalApplication {
                organisation_id: org,
                title: format!("{topic}（{field}）{}", i + 1),
                lead_name: format!("负责人{}", i + 1),
                requested_fen: granted
                    .filter(|g| *g > 0)
                    .map_or_else(|| rng.gen_range(100..3_000) * 1_000_000, |g| g * 5 / 4),
                submitted_at: at(day, 15),
                granted_fen: granted,
                decided_on: granted.filter(|g| *g > 0).map(|_| date!(2021 - 11 - 30)),
                months: 36,
            });
        }
        external.push((call_id, rows));
    }
    for (call_id, rows) in &external {
        for action in [CallAction::Open, CallAction::Close] {
            store.call_action(actor, *call_id, action).await?;
        }
        store.record_external_applications(actor, *call_id, rows).await?;
        for action in [CallAction::StartReview, CallAction::Decide] {
            store.call_action(actor, *call_id, action).await?;
        }
    }

    // ---- the open 2022 call with its small 先进储能 pool --------------------------------
    let region = RegionCode::parse("430211").expect("valid code");
    let industry_employer = firms.last().map(|f| f.0);
    for (i, name) in [DEMO_EXPERT, "邓立华", "谭思远", "易清", "贺永刚"].iter().enumerate() {
        let mut p = NewPerson::basic(name, region.clone());
        p.title = Some(if i == 4 { "高级工程师" } else { "教授" }.to_owned());
        p.organisation_id = if i == 4 { industry_employer } else { None };
        let person = store.create_person(actor, &Scope::All, &p, IdView::Full).await?;
        let role = PersonRole::new(
            PersonRoleKind::Expert,
            date!(2022 - 01 - 01),
            Some(date!(2030 - 12 - 31)),
            &RoleDetails {
                reference: None, fields: Some("先进储能,新能源"), assignment: None, nationality: None
            },
        )
        .map_err(|e| StoreError::invalid(e.code(), e.args(), None))?;
        store.add_person_role(actor, &Scope::All, person.person_id, &role).await?;
    }
    let closes = OffsetDateTime::now_utc() + time::Duration::days(120);
    let closes = closes.replace_nanosecond(0).unwrap_or(closes);
    let mut new = call(
        OPEN_CALL,
        "2022年株洲市重点研发计划（先进储能专题）",
        "株洲市重点研发计划",
        CallLevel::Municipal,
        CallKind::Ordinary,
        date!(2022 - 03 - 01),
        closes,
    );
    new.budget_fen = 3_000 * 1_000_000;
    new.per_application = 5;
    new.max_per_expert = 20;
    new.panel_size = 5;
    new.expert_fields = "先进储能".to_owned();
    let open = store.create_call(actor, &new).await?;
    store.call_action(actor, open.call_id, CallAction::Open).await?;
    for n in 0..8 {
        let (org, _) = firms[next_firm.next().expect("enough firms")].clone();
        if Some(org) == industry_employer {
            continue;
        }
        let app = NewApplication {
            organisation_id: org,
            title: format!(
                "{}储能电池关键材料研究",
                ["钠离子", "固态", "液流", "锂硫", "梯次利用", "氢储能", "飞轮", "相变"][n]
            ),
            lead_name: format!("申报人{n}"),
            requested_fen: rng.gen_range(80..200) * 1_000_000,
            answers: answers("先进储能", date!(2022 - 07 - 01), 24, 150),
            ..NewApplication::default()
        };
        let created = store.create_application(actor, &Scope::All, open.call_id, &app).await?;
        let now = OffsetDateTime::now_utc();
        store
            .application_action(actor, &Scope::All, created.application_id, ApplicationAction::Submit, None, now)
            .await?;
        store
            .application_action(actor, &Scope::All, created.application_id, ApplicationAction::Endorse, None, now)
            .await?;
    }
    Ok(())
}

/// Every open assignment of a call reviewed: scores from the application's merit plus the
/// expert's leniency; two experts first declare a conflict and the review is reassigned.
async fn review_all(store: &Store, actor: &Actor, call_id: i64, rng: &mut StdRng, on: Date) -> Result<(), StoreError> {
    let assignments = store.assignments(Some(call_id), None).await?;
    for a in assignments.iter().take(2) {
        store.declare_conflict(actor, a.review_assignment_id, a.person_id, "申报单位为本人近亲属控股企业").await?;
        store.reassign(actor, a.review_assignment_id, "专家申明回避，按系统推荐改派", on).await?;
    }
    let mut merit: BTreeMap<i64, i64> = BTreeMap::new();
    let mut leniency: BTreeMap<i64, i64> = BTreeMap::new();
    for a in store.assignments(Some(call_id), None).await? {
        if a.status != "assigned" {
            continue;
        }
        let m = *merit.entry(a.application_id).or_insert_with(|| rng.gen_range(4..=9));
        let l = *leniency.entry(a.person_id).or_insert_with(|| rng.gen_range(-1..=1));
        let mut score = |spread: i64| (m + l + rng.gen_range(-spread..=spread)).clamp(0, 10);
        let scores = [score(1), score(1), score(2), score(1)];
        store
            .submit_review(
                actor,
                a.review_assignment_id,
                a.person_id,
                &scores,
                "技术路线清晰，建议加强产业化论证。",
                true,
            )
            .await?;
    }
    Ok(())
}

/// Follow-up of the municipal projects: agreements, mid-term reports and checks, and
/// acceptance for most; a few still running with their final report overdue, one with an
/// extension granted.
async fn follow_up(store: &Store, actor: &Actor, projects: &[i64], rng: &mut StdRng) -> Result<(), StoreError> {
    for (n, &pid) in projects.iter().enumerate() {
        store.sign_agreement(actor, pid, &format!("ZZKJ-2021-{:03}", n + 1), date!(2021 - 07 - 05)).await?;
        let ms = store.milestones(pid, date!(2021 - 07 - 05)).await?;
        let mid = &ms[1];
        if n == 3 {
            store.submit_milestone(actor, &Scope::All, mid.milestone_id, "中期进展报告", date!(2022 - 06 - 10)).await?;
            store
                .decide_milestone(
                    actor,
                    mid.milestone_id,
                    false,
                    Some("经费使用明细不全，请补充"),
                    date!(2022 - 06 - 20),
                )
                .await?;
        }
        store
            .submit_milestone(
                actor,
                &Scope::All,
                mid.milestone_id,
                "中期进展报告：完成中试线建设，申请发明专利2项",
                date!(2022 - 06 - 25),
            )
            .await?;
        store.decide_milestone(actor, mid.milestone_id, true, Some("中期报告通过"), date!(2022 - 07 - 05)).await?;
        let result = if n % 9 == 4 { MidtermResult::Concerns } else { MidtermResult::OnTrack };
        store
            .midterm(
                actor,
                pid,
                result,
                if result == MidtermResult::OnTrack { "进度符合任务书" } else { "进度滞后，限期整改" },
                date!(2022 - 07 - 10),
            )
            .await?;
        if n == 7 {
            let p = store.project(&Scope::All, pid, date!(2022 - 12 - 01)).await?;
            let req = gaodi_store::project_follow::ChangeRequest {
                kind: gaodi_domain::project::lifecycle::ChangeKind::Extension,
                reason: "关键设备进口受阻，申请延期六个月".to_owned(),
                new_budget_fen: None,
                new_end_on: Some(gaodi_store::project_follow::add_months(p.end_on, 6)),
            };
            let c = store.request_change(actor, &Scope::All, pid, &req, date!(2022 - 12 - 01)).await?;
            store.decide_change(actor, c.project_change_id, true, "同意延期", date!(2022 - 12 - 10)).await?;
        }
        // Three projects still owe their final report; the rest were accepted.
        if n % 9 != 8 {
            let passed = rng.gen_range(0..20) != 0;
            let note = if passed {
                "完成任务书约定的全部考核指标"
            } else {
                "主要技术指标未达到任务书要求"
            };
            store.accept_project(actor, pid, passed, note, None, date!(2023 - 08 - 15)).await?;
        }
    }
    Ok(())
}
