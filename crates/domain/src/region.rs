//! Regions and their two trees, as they stood in a given year.
//!
//! - A [`RegionCode`] is either an administrative code of GB/T 2260 (`430200`, six digits)
//!   or a park code assigned by this project (`P43001`: the letter `P` and five digits).
//! - A [`Region`] is a place: a province, city, district, county, county-level city, or a
//!   park (high-tech zone, development zone, industrial park, innovation demonstration zone).
//! - A [`Membership`] says "child lies in parent" in one [`Hierarchy`] for a span of years.
//!   The administrative hierarchy is the GB/T 2260 tree; the park hierarchy hangs each park
//!   under the administrative region that hosts it (or under another park).
//!
//! Regions carry no dates of their own: a region exists in a year and hierarchy exactly when
//! a membership naming it is in force then. [`tree_as_of`] and [`descendants_as_of`] rebuild
//! the tree of a year; [`validate_memberships`] checks a set of memberships before it is
//! stored; [`zhuzhou_seed`] is the reference data.
//!
//! # Error codes
//!
//! Each [`RegionError`] has a stable i18n key ([`RegionError::code`]) and named arguments
//! ([`RegionError::args`]). Suggested message templates for the locale files; the English
//! one is exactly what `Display` prints (a unit test checks this table against the code).
//! `{hierarchy}` and `{kind}` receive the snake_case codes (`park`, `high_tech_zone`); the
//! web layer may translate them with their own keys.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `region.empty_code` | The region code is empty; accepted forms: six digits (GB/T 2260, e.g. 430200) or P followed by five digits (park, e.g. P43001). | 区域代码为空；可接受的格式：六位数字（GB/T 2260，如 430200）或 P 加五位数字（园区，如 P43001）。 |
//! | `region.invalid_code_format` | Region code "{value}" is not in a recognised form; accepted forms: six digits (GB/T 2260, e.g. 430200) or P followed by five digits (park, e.g. P43001). | 区域代码“{value}”格式不正确；可接受的格式：六位数字（GB/T 2260，如 430200）或 P 加五位数字（园区，如 P43001）。 |
//! | `region.unknown_province` | Region code "{value}" starts with {province}, which is not a province code; accepted: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82. | 区域代码“{value}”的前两位 {province} 不是省级代码；可接受：11-15、21-23、31-37、41-46、50-54、61-65、71、81、82。 |
//! | `region.invalid_code_structure` | Region code "{value}" has a county part without a city part (digits 3-4 are 00, digits 5-6 are not); accepted: PP0000, PPCC00, or PPCCDD with CC other than 00. | 区域代码“{value}”结构不正确（第 3-4 位为 00 而第 5-6 位不是 00）；可接受：PP0000、PPCC00，或 CC 不为 00 的 PPCCDD。 |
//! | `region.unknown_kind` | Region kind "{value}" is not recognised; accepted kinds: province, city, district, county, county_city, high_tech_zone, development_zone, industrial_park, innovation_demo_zone. | 区域类型“{value}”无法识别；可接受：province、city、district、county、county_city、high_tech_zone、development_zone、industrial_park、innovation_demo_zone。 |
//! | `region.unknown_park_level` | Park level "{value}" is not recognised; accepted levels: national, provincial. | 园区级别“{value}”无法识别；可接受：national（国家级）、provincial（省级）。 |
//! | `region.unknown_hierarchy` | Hierarchy "{value}" is not recognised; accepted hierarchies: administrative, park. | 层级“{value}”无法识别；可接受：administrative（行政区划）、park（园区）。 |
//! | `region.duplicate_region` | Region {code} is listed more than once; each region code may appear only once. | 区域 {code} 重复出现；每个区域代码只能出现一次。 |
//! | `region.kind_code_mismatch` | Region {code} has kind {kind}, which does not fit its code; park kinds (high_tech_zone, development_zone, industrial_park, innovation_demo_zone) take P codes, all other kinds take six-digit codes. | 区域 {code} 的类型 {kind} 与代码不符；园区类型（high_tech_zone、development_zone、industrial_park、innovation_demo_zone）使用 P 开头的代码，其他类型使用六位数字代码。 |
//! | `region.unknown_region` | Membership {child} -> {parent} ({hierarchy}, from {valid_from}) names region {code}, which is not in the region list; accepted: codes of listed regions. | 隶属关系 {child} -> {parent}（{hierarchy}，自 {valid_from} 年起）引用的区域 {code} 不在区域列表中；只能引用已列出的区域。 |
//! | `region.invalid_validity` | Membership {child} -> {parent} ({hierarchy}) is valid from {valid_from} to {valid_to}; accepted: an end year (exclusive) later than the start year, or no end. | 隶属关系 {child} -> {parent}（{hierarchy}）的有效期 {valid_from} 至 {valid_to} 无效；结束年份（不含）必须晚于起始年份，或不设结束年份。 |
//! | `region.wrong_hierarchy` | Membership {child} -> {parent} ({hierarchy}) cannot involve region {code} ({kind}); accepted: parks never appear in the administrative hierarchy, and in the park hierarchy the child is a park. | 隶属关系 {child} -> {parent}（{hierarchy}）不能包含区域 {code}（{kind}）；园区不能出现在行政区划层级中，园区层级中的下级必须是园区。 |
//! | `region.two_parents` | Region {child} has two parents in the {hierarchy} hierarchy in {year}: {first_parent} and {second_parent}; accepted: at most one parent in force in any year. | 区域 {child} 在 {year} 年的 {hierarchy} 层级中有两个上级：{first_parent} 和 {second_parent}；每年最多只能有一个有效上级。 |
//! | `region.duplicate_membership` | Region {child} is attached to {parent} twice in the {hierarchy} hierarchy in {year}; accepted: memberships of the same pair do not overlap in time. | 区域 {child} 在 {year} 年的 {hierarchy} 层级中两次隶属于 {parent}；同一对区域的隶属关系在时间上不能重叠。 |
//! | `region.cycle` | The {hierarchy} hierarchy has a cycle in {year}: {path}; accepted: a region is never its own ancestor. | {hierarchy} 层级在 {year} 年存在循环隶属：{path}；区域不能成为自己的上级。 |

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------
// RegionCode
// ---------------------------------------------------------------------------------------

/// The code of a region, always valid once built (see [`RegionCode::parse`]).
///
/// Two forms:
/// - **Administrative** (GB/T 2260): six ASCII digits `PPCCDD`: province `PP`, city `CC`,
///   county `DD`. `430000` is 湖南省, `430200` 株洲市, `430211` 天元区.
/// - **Park** (assigned by this project, GB/T 2260 has no codes for parks): `P` followed by
///   five digits. By convention the first two digits are the host province and the last
///   three a serial number (`P43001` is 株洲高新区); only the shape is checked.
///
/// Codes order as strings, so administrative codes sort before park codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Whether `number` is the first two digits of a province-level division in GB/T 2260.
fn is_province_code(number: u8) -> bool {
    matches!(
        number,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82
    )
}

impl RegionCode {
    /// Parses an administrative code (`430200`) or a park code (`P43001`); nothing is trimmed.
    ///
    /// Fails on the empty string, on any other shape (lowercase `p`, five or seven digits,
    /// spaces), on a first pair of digits that is no province (`000000`, `990000`), and on a
    /// county part without a city part (`430002`).
    pub fn parse(input: &str) -> Result<RegionCode, RegionError> {
        if input.is_empty() {
            return Err(RegionError::EmptyCode);
        }
        let all_digits = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_digit);
        match input.as_bytes() {
            [b'P', rest @ ..] if rest.len() == 5 && all_digits(rest) => Ok(RegionCode(input.to_owned())),
            &[p1, p2, c1, c2, d1, d2] if all_digits(input.as_bytes()) => {
                let province = (p1 - b'0') * 10 + (p2 - b'0');
                if !is_province_code(province) {
                    return Err(RegionError::UnknownProvince {
                        value: input.to_owned(),
                        province: input[..2].to_owned(),
                    });
                }
                // A county-level code (DD != 00) always sits under a city-level part
                // (CC != 00); PP00DD does not occur in GB/T 2260.
                if (c1, c2) == (b'0', b'0') && (d1, d2) != (b'0', b'0') {
                    return Err(RegionError::InvalidCodeStructure { value: input.to_owned() });
                }
                Ok(RegionCode(input.to_owned()))
            }
            _ => Err(RegionError::InvalidCodeFormat { value: input.to_owned() }),
        }
    }

    /// The code as text, e.g. `"430200"` or `"P43001"`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a project-assigned park code (`P` and five digits).
    #[must_use]
    pub fn is_park(&self) -> bool {
        self.0.starts_with('P')
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> String {
        code.0
    }
}

impl AsRef<str> for RegionCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------------------------------
// Kinds, levels, hierarchies
// ---------------------------------------------------------------------------------------

/// What kind of place a region is. The first five are administrative, the rest are parks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// 省 / 自治区 / 直辖市
    Province,
    /// 地级市
    City,
    /// 市辖区
    District,
    /// 县
    County,
    /// 县级市
    CountyCity,
    /// 高新区
    HighTechZone,
    /// 经开区
    DevelopmentZone,
    /// 工业集中区
    IndustrialPark,
    /// 自创区
    InnovationDemoZone,
}

impl RegionKind {
    /// Every kind, administrative ones first.
    pub const ALL: [RegionKind; 9] = [
        RegionKind::Province,
        RegionKind::City,
        RegionKind::District,
        RegionKind::County,
        RegionKind::CountyCity,
        RegionKind::HighTechZone,
        RegionKind::DevelopmentZone,
        RegionKind::IndustrialPark,
        RegionKind::InnovationDemoZone,
    ];

    /// The stable snake_case form, e.g. `county_city`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::Province => "province",
            RegionKind::City => "city",
            RegionKind::District => "district",
            RegionKind::County => "county",
            RegionKind::CountyCity => "county_city",
            RegionKind::HighTechZone => "high_tech_zone",
            RegionKind::DevelopmentZone => "development_zone",
            RegionKind::IndustrialPark => "industrial_park",
            RegionKind::InnovationDemoZone => "innovation_demo_zone",
        }
    }

    /// Parses the snake_case form; fails with `region.unknown_kind` on anything else.
    pub fn parse(input: &str) -> Result<RegionKind, RegionError> {
        RegionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| RegionError::UnknownKind { value: input.to_owned() })
    }

    /// Whether regions of this kind are parks (and so have `P` codes and belong to the
    /// park hierarchy).
    #[must_use]
    pub fn is_park(self) -> bool {
        matches!(
            self,
            RegionKind::HighTechZone
                | RegionKind::DevelopmentZone
                | RegionKind::IndustrialPark
                | RegionKind::InnovationDemoZone
        )
    }
}

impl fmt::Display for RegionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level at which a park was approved: 国家级 or 省级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParkLevel {
    National,
    Provincial,
}

impl ParkLevel {
    pub const ALL: [ParkLevel; 2] = [ParkLevel::National, ParkLevel::Provincial];

    /// `national` or `provincial`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ParkLevel::National => "national",
            ParkLevel::Provincial => "provincial",
        }
    }

    /// Parses `national` or `provincial`; fails with `region.unknown_park_level`.
    pub fn parse(input: &str) -> Result<ParkLevel, RegionError> {
        ParkLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == input)
            .ok_or_else(|| RegionError::UnknownParkLevel { value: input.to_owned() })
    }
}

impl fmt::Display for ParkLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which tree a membership belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hierarchy {
    /// The GB/T 2260 tree: province, city, county-level divisions. No parks.
    Administrative,
    /// Parks under the administrative region that hosts them (or under another park).
    Park,
}

impl Hierarchy {
    pub const ALL: [Hierarchy; 2] = [Hierarchy::Administrative, Hierarchy::Park];

    /// `administrative` or `park`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Hierarchy::Administrative => "administrative",
            Hierarchy::Park => "park",
        }
    }

    /// Parses `administrative` or `park`; fails with `region.unknown_hierarchy`.
    pub fn parse(input: &str) -> Result<Hierarchy, RegionError> {
        Hierarchy::ALL
            .into_iter()
            .find(|hierarchy| hierarchy.as_str() == input)
            .ok_or_else(|| RegionError::UnknownHierarchy { value: input.to_owned() })
    }
}

impl fmt::Display for Hierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------
// Regions, memberships, trees
// ---------------------------------------------------------------------------------------

/// A place. Its place in the trees, and the years it existed, come from [`Membership`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    /// The name users see, e.g. 株洲市.
    pub name_zh: String,
    /// The English name, e.g. Zhuzhou.
    pub name_en: String,
    pub kind: RegionKind,
    /// Approval level; set for parks only.
    pub park_level: Option<ParkLevel>,
}

/// "`child` lies in `parent`" in one hierarchy, from `valid_from` (inclusive) until
/// `valid_to` (exclusive; `None` = still in force). Years, not dates: GB/T 2260 changes are
/// taken to apply from 1 January.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub child: RegionCode,
    pub parent: RegionCode,
    pub hierarchy: Hierarchy,
    pub valid_from: i32,
    pub valid_to: Option<i32>,
}

impl Membership {
    /// Whether the membership holds in `year`: `valid_from <= year` and `year < valid_to`.
    #[must_use]
    pub fn in_force(&self, year: i32) -> bool {
        self.valid_from <= year && self.valid_to.is_none_or(|to| year < to)
    }
}

/// A region and the regions directly under it, both sorted by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeNode {
    pub region: Region,
    pub children: Vec<TreeNode>,
}

/// For each child, its parent in force in `year` and `hierarchy`. Memberships for which
/// `keep` is false are ignored. Should a child have several parents in force (invalid data,
/// see [`validate_memberships`]), the smallest parent code wins, so the result is still a
/// function and every child hangs in one place only.
fn parents_in_force(
    memberships: &[Membership],
    year: i32,
    hierarchy: Hierarchy,
    keep: impl Fn(&Membership) -> bool,
) -> BTreeMap<&RegionCode, &RegionCode> {
    let mut parent_of: BTreeMap<&RegionCode, &RegionCode> = BTreeMap::new();
    for membership in memberships.iter().filter(|m| m.hierarchy == hierarchy && m.in_force(year) && keep(m)) {
        parent_of
            .entry(&membership.child)
            .and_modify(|parent| *parent = (*parent).min(&membership.parent))
            .or_insert(&membership.parent);
    }
    parent_of
}

/// Inverts a child → parent map into parent → children, children sorted by code.
fn children_by_parent<'a>(
    parent_of: &BTreeMap<&'a RegionCode, &'a RegionCode>,
) -> BTreeMap<&'a RegionCode, Vec<&'a RegionCode>> {
    let mut children: BTreeMap<&RegionCode, Vec<&RegionCode>> = BTreeMap::new();
    // parent_of iterates in child order, so each list comes out sorted.
    for (&child, &parent) in parent_of {
        children.entry(parent).or_default().push(child);
    }
    children
}

/// The forest of `hierarchy` as it stood in `year`, roots and children sorted by code.
///
/// A region appears when a membership naming it is in force that year. The roots are the
/// regions that are a parent in force and have no parent in force: in the administrative
/// tree normally the province, in the park tree the administrative regions hosting parks
/// (so 天元区 → 株洲高新区). Memberships naming a code missing from `regions` are ignored,
/// so that passing only part of the regions gives the part of the tree they span. Never
/// fails; on data that [`validate_memberships`] rejects, each region still appears at most
/// once (a child with two parents hangs under the smaller code; regions on a cycle that no
/// root reaches are left out).
#[must_use]
pub fn tree_as_of(regions: &[Region], memberships: &[Membership], year: i32, hierarchy: Hierarchy) -> Vec<TreeNode> {
    let by_code: HashMap<&RegionCode, &Region> = regions.iter().map(|region| (&region.code, region)).collect();
    let parent_of = parents_in_force(memberships, year, hierarchy, |m| {
        by_code.contains_key(&m.child) && by_code.contains_key(&m.parent)
    });
    let children = children_by_parent(&parent_of);

    // Every node has one parent in `parent_of`, so the walk down from the roots reaches each
    // node at most once and cannot enter a cycle (a node on a cycle has its parent on it).
    fn build(
        code: &RegionCode,
        by_code: &HashMap<&RegionCode, &Region>,
        children: &BTreeMap<&RegionCode, Vec<&RegionCode>>,
    ) -> TreeNode {
        TreeNode {
            region: by_code[code].clone(),
            children: children
                .get(code)
                .map(|kids| kids.iter().map(|kid| build(kid, by_code, children)).collect())
                .unwrap_or_default(),
        }
    }

    children.keys().filter(|code| !parent_of.contains_key(*code)).map(|root| build(root, &by_code, &children)).collect()
}

/// `root` and every region below it in `hierarchy` in `year`, in pre-order (a parent before
/// its children, children by code). `root` is always included, even when no membership
/// names it that year. Never fails; on invalid data it follows the same rules as
/// [`tree_as_of`] and never lists a region twice.
///
/// For a region scope that includes parks, take the administrative descendants first, then
/// the park descendants of each of them.
#[must_use]
pub fn descendants_as_of(
    root: &RegionCode,
    memberships: &[Membership],
    year: i32,
    hierarchy: Hierarchy,
) -> Vec<RegionCode> {
    let parent_of = parents_in_force(memberships, year, hierarchy, |_| true);
    let children = children_by_parent(&parent_of);

    let mut seen: HashSet<&RegionCode> = HashSet::new();
    let mut out = Vec::new();
    // Depth-first with an explicit stack; children pushed in reverse to pop in code order.
    // `seen` stops the walk when `root` itself lies on a cycle.
    let mut stack = vec![root];
    while let Some(code) = stack.pop() {
        if !seen.insert(code) {
            continue;
        }
        out.push(code.clone());
        if let Some(kids) = children.get(code) {
            stack.extend(kids.iter().rev().copied());
        }
    }
    out
}

/// Checks regions and memberships before they are stored. Returns the first problem found,
/// in this order: a region code listed twice; a kind that does not fit its code (parks take
/// `P` codes); per membership, in input order, a code not in `regions`, `valid_to <=
/// valid_from`, a park in the administrative hierarchy or a non-park child in the park
/// hierarchy; then, per hierarchy (administrative first) and year (earliest first), a child
/// with two parents (or the same parent twice) in force, and a cycle.
///
/// A child may change parent from one year to the next (株洲县 → 渌口区 is a new child; a
/// county moving to another city is a new membership starting the year the old one ends).
pub fn validate_memberships(regions: &[Region], memberships: &[Membership]) -> Result<(), RegionError> {
    let mut by_code: HashMap<&RegionCode, &Region> = HashMap::new();
    for region in regions {
        if by_code.insert(&region.code, region).is_some() {
            return Err(RegionError::DuplicateRegion { code: region.code.clone() });
        }
        if region.kind.is_park() != region.code.is_park() {
            return Err(RegionError::KindCodeMismatch { code: region.code.clone(), kind: region.kind });
        }
    }

    for membership in memberships {
        check_membership(membership, &by_code)?;
    }

    for hierarchy in Hierarchy::ALL {
        // The set of memberships in force only grows at a `valid_from` year, so any
        // conflict that exists in some year also exists in one of these years.
        let years: BTreeSet<i32> =
            memberships.iter().filter(|m| m.hierarchy == hierarchy).map(|m| m.valid_from).collect();
        for year in years {
            check_year(memberships, year, hierarchy)?;
        }
    }
    Ok(())
}

/// The checks of [`validate_memberships`] that look at one membership alone.
fn check_membership(membership: &Membership, by_code: &HashMap<&RegionCode, &Region>) -> Result<(), RegionError> {
    let lookup = |code: &RegionCode| {
        by_code.get(code).copied().ok_or_else(|| RegionError::UnknownRegion {
            code: code.clone(),
            child: membership.child.clone(),
            parent: membership.parent.clone(),
            hierarchy: membership.hierarchy,
            valid_from: membership.valid_from,
        })
    };
    let child = lookup(&membership.child)?;
    let parent = lookup(&membership.parent)?;

    if let Some(valid_to) = membership.valid_to {
        if valid_to <= membership.valid_from {
            return Err(RegionError::InvalidValidity {
                child: membership.child.clone(),
                parent: membership.parent.clone(),
                hierarchy: membership.hierarchy,
                valid_from: membership.valid_from,
                valid_to,
            });
        }
    }

    let misplaced = match membership.hierarchy {
        Hierarchy::Administrative => [child, parent].into_iter().find(|r| r.kind.is_park()),
        Hierarchy::Park => Some(child).filter(|r| !r.kind.is_park()),
    };
    if let Some(region) = misplaced {
        return Err(RegionError::WrongHierarchy {
            child: membership.child.clone(),
            parent: membership.parent.clone(),
            hierarchy: membership.hierarchy,
            code: region.code.clone(),
            kind: region.kind,
        });
    }
    Ok(())
}

/// The checks of [`validate_memberships`] on the memberships in force in one year.
fn check_year(memberships: &[Membership], year: i32, hierarchy: Hierarchy) -> Result<(), RegionError> {
    let mut in_force: Vec<(&RegionCode, &RegionCode)> = memberships
        .iter()
        .filter(|m| m.hierarchy == hierarchy && m.in_force(year))
        .map(|m| (&m.child, &m.parent))
        .collect();
    in_force.sort();

    let mut parent_of: BTreeMap<&RegionCode, &RegionCode> = BTreeMap::new();
    for (child, parent) in in_force {
        if let Some(first_parent) = parent_of.insert(child, parent) {
            return Err(if first_parent == parent {
                RegionError::DuplicateMembership { child: child.clone(), parent: parent.clone(), hierarchy, year }
            } else {
                RegionError::TwoParents {
                    child: child.clone(),
                    hierarchy,
                    year,
                    first_parent: first_parent.clone(),
                    second_parent: parent.clone(),
                }
            });
        }
    }

    // Each child has one parent now: walk up from every child; meeting a code already on
    // the current walk is a cycle. Codes whose walk ended at a root are known acyclic.
    let mut acyclic: HashSet<&RegionCode> = HashSet::new();
    for &start in parent_of.keys() {
        let mut walk: Vec<&RegionCode> = Vec::new();
        let mut current = start;
        loop {
            if acyclic.contains(current) {
                break;
            }
            if let Some(position) = walk.iter().position(|&code| code == current) {
                return Err(RegionError::Cycle { hierarchy, year, path: cycle_path(&walk[position..]) });
            }
            walk.push(current);
            match parent_of.get(current) {
                Some(&parent) => current = parent,
                None => break,
            }
        }
        acyclic.extend(walk);
    }
    Ok(())
}

/// A cycle listed child-to-parent, rotated to start at its smallest code and closed by
/// repeating that code: `A -> B -> A` means A lies in B and B lies in A.
fn cycle_path(cycle: &[&RegionCode]) -> Vec<RegionCode> {
    let start = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
    cycle[start..].iter().chain(&cycle[..=start]).map(|&code| code.clone()).collect()
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// What is wrong with a region code, a kind string, or a set of regions and memberships.
/// See the module docs for the message templates of each [`code`](RegionError::code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionError {
    /// The code was the empty string.
    EmptyCode,
    /// Neither six digits nor `P` and five digits.
    InvalidCodeFormat { value: String },
    /// Six digits, but the first two are no GB/T 2260 province.
    UnknownProvince { value: String, province: String },
    /// Six digits of the form `PP00DD` with `DD` other than `00`.
    InvalidCodeStructure { value: String },
    /// Not one of the snake_case kinds.
    UnknownKind { value: String },
    /// Not `national` or `provincial`.
    UnknownParkLevel { value: String },
    /// Not `administrative` or `park`.
    UnknownHierarchy { value: String },
    /// The same code twice in the region list.
    DuplicateRegion { code: RegionCode },
    /// A park kind with a six-digit code, or an administrative kind with a `P` code.
    KindCodeMismatch { code: RegionCode, kind: RegionKind },
    /// A membership names `code`, which is not in the region list.
    UnknownRegion { code: RegionCode, child: RegionCode, parent: RegionCode, hierarchy: Hierarchy, valid_from: i32 },
    /// `valid_to <= valid_from`: the membership is never in force.
    InvalidValidity { child: RegionCode, parent: RegionCode, hierarchy: Hierarchy, valid_from: i32, valid_to: i32 },
    /// A park in the administrative hierarchy, or an administrative region as a child in
    /// the park hierarchy; `code` and `kind` name the misplaced region.
    WrongHierarchy { child: RegionCode, parent: RegionCode, hierarchy: Hierarchy, code: RegionCode, kind: RegionKind },
    /// Two different parents of `child` in force in `year`.
    TwoParents {
        child: RegionCode,
        hierarchy: Hierarchy,
        year: i32,
        first_parent: RegionCode,
        second_parent: RegionCode,
    },
    /// Two overlapping memberships of the same child and parent.
    DuplicateMembership { child: RegionCode, parent: RegionCode, hierarchy: Hierarchy, year: i32 },
    /// A region is its own ancestor in `year`; `path` runs child to parent and ends where it
    /// started.
    Cycle { hierarchy: Hierarchy, year: i32, path: Vec<RegionCode> },
}

/// `A -> B -> A`
fn format_path(path: &[RegionCode]) -> String {
    path.iter().map(RegionCode::as_str).collect::<Vec<_>>().join(" -> ")
}

impl RegionError {
    /// The stable i18n key of this error, e.g. `region.two_parents`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RegionError::EmptyCode => "region.empty_code",
            RegionError::InvalidCodeFormat { .. } => "region.invalid_code_format",
            RegionError::UnknownProvince { .. } => "region.unknown_province",
            RegionError::InvalidCodeStructure { .. } => "region.invalid_code_structure",
            RegionError::UnknownKind { .. } => "region.unknown_kind",
            RegionError::UnknownParkLevel { .. } => "region.unknown_park_level",
            RegionError::UnknownHierarchy { .. } => "region.unknown_hierarchy",
            RegionError::DuplicateRegion { .. } => "region.duplicate_region",
            RegionError::KindCodeMismatch { .. } => "region.kind_code_mismatch",
            RegionError::UnknownRegion { .. } => "region.unknown_region",
            RegionError::InvalidValidity { .. } => "region.invalid_validity",
            RegionError::WrongHierarchy { .. } => "region.wrong_hierarchy",
            RegionError::TwoParents { .. } => "region.two_parents",
            RegionError::DuplicateMembership { .. } => "region.duplicate_membership",
            RegionError::Cycle { .. } => "region.cycle",
        }
    }

    /// The named arguments of the message template, e.g. `[("value", "000000"), ("province", "00")]`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            RegionError::EmptyCode => Vec::new(),
            RegionError::InvalidCodeFormat { value }
            | RegionError::InvalidCodeStructure { value }
            | RegionError::UnknownKind { value }
            | RegionError::UnknownParkLevel { value }
            | RegionError::UnknownHierarchy { value } => vec![("value", value.clone())],
            RegionError::UnknownProvince { value, province } => {
                vec![("value", value.clone()), ("province", province.clone())]
            }
            RegionError::DuplicateRegion { code } => vec![("code", code.to_string())],
            RegionError::KindCodeMismatch { code, kind } => {
                vec![("code", code.to_string()), ("kind", kind.to_string())]
            }
            RegionError::UnknownRegion { code, child, parent, hierarchy, valid_from } => vec![
                ("code", code.to_string()),
                ("child", child.to_string()),
                ("parent", parent.to_string()),
                ("hierarchy", hierarchy.to_string()),
                ("valid_from", valid_from.to_string()),
            ],
            RegionError::InvalidValidity { child, parent, hierarchy, valid_from, valid_to } => vec![
                ("child", child.to_string()),
                ("parent", parent.to_string()),
                ("hierarchy", hierarchy.to_string()),
                ("valid_from", valid_from.to_string()),
                ("valid_to", valid_to.to_string()),
            ],
            RegionError::WrongHierarchy { child, parent, hierarchy, code, kind } => vec![
                ("child", child.to_string()),
                ("parent", parent.to_string()),
                ("hierarchy", hierarchy.to_string()),
                ("code", code.to_string()),
                ("kind", kind.to_string()),
            ],
            RegionError::TwoParents { child, hierarchy, year, first_parent, second_parent } => vec![
                ("child", child.to_string()),
                ("hierarchy", hierarchy.to_string()),
                ("year", year.to_string()),
                ("first_parent", first_parent.to_string()),
                ("second_parent", second_parent.to_string()),
            ],
            RegionError::DuplicateMembership { child, parent, hierarchy, year } => vec![
                ("child", child.to_string()),
                ("parent", parent.to_string()),
                ("hierarchy", hierarchy.to_string()),
                ("year", year.to_string()),
            ],
            RegionError::Cycle { hierarchy, year, path } => {
                vec![("hierarchy", hierarchy.to_string()), ("year", year.to_string()), ("path", format_path(path))]
            }
        }
    }
}

/// Accepted code forms, shared by two messages.
const ACCEPTED_CODE_FORMS: &str = "accepted forms: six digits (GB/T 2260, e.g. 430200) or P \
                                   followed by five digits (park, e.g. P43001)";

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::EmptyCode => {
                write!(f, "The region code is empty; {ACCEPTED_CODE_FORMS}.")
            }
            RegionError::InvalidCodeFormat { value } => {
                write!(f, "Region code \"{value}\" is not in a recognised form; {ACCEPTED_CODE_FORMS}.")
            }
            RegionError::UnknownProvince { value, province } => write!(
                f,
                "Region code \"{value}\" starts with {province}, which is not a province code; \
                 accepted: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82."
            ),
            RegionError::InvalidCodeStructure { value } => write!(
                f,
                "Region code \"{value}\" has a county part without a city part (digits 3-4 are \
                 00, digits 5-6 are not); accepted: PP0000, PPCC00, or PPCCDD with CC other \
                 than 00."
            ),
            RegionError::UnknownKind { value } => write!(
                f,
                "Region kind \"{value}\" is not recognised; accepted kinds: province, city, \
                 district, county, county_city, high_tech_zone, development_zone, \
                 industrial_park, innovation_demo_zone."
            ),
            RegionError::UnknownParkLevel { value } => {
                write!(f, "Park level \"{value}\" is not recognised; accepted levels: national, provincial.")
            }
            RegionError::UnknownHierarchy { value } => write!(
                f,
                "Hierarchy \"{value}\" is not recognised; accepted hierarchies: administrative, \
                 park."
            ),
            RegionError::DuplicateRegion { code } => {
                write!(f, "Region {code} is listed more than once; each region code may appear only once.")
            }
            RegionError::KindCodeMismatch { code, kind } => write!(
                f,
                "Region {code} has kind {kind}, which does not fit its code; park kinds \
                 (high_tech_zone, development_zone, industrial_park, innovation_demo_zone) take \
                 P codes, all other kinds take six-digit codes."
            ),
            RegionError::UnknownRegion { code, child, parent, hierarchy, valid_from } => write!(
                f,
                "Membership {child} -> {parent} ({hierarchy}, from {valid_from}) names region \
                 {code}, which is not in the region list; accepted: codes of listed regions."
            ),
            RegionError::InvalidValidity { child, parent, hierarchy, valid_from, valid_to } => write!(
                f,
                "Membership {child} -> {parent} ({hierarchy}) is valid from {valid_from} to \
                 {valid_to}; accepted: an end year (exclusive) later than the start year, or no \
                 end."
            ),
            RegionError::WrongHierarchy { child, parent, hierarchy, code, kind } => write!(
                f,
                "Membership {child} -> {parent} ({hierarchy}) cannot involve region {code} \
                 ({kind}); accepted: parks never appear in the administrative hierarchy, and in \
                 the park hierarchy the child is a park."
            ),
            RegionError::TwoParents { child, hierarchy, year, first_parent, second_parent } => write!(
                f,
                "Region {child} has two parents in the {hierarchy} hierarchy in {year}: \
                 {first_parent} and {second_parent}; accepted: at most one parent in force in \
                 any year."
            ),
            RegionError::DuplicateMembership { child, parent, hierarchy, year } => write!(
                f,
                "Region {child} is attached to {parent} twice in the {hierarchy} hierarchy in \
                 {year}; accepted: memberships of the same pair do not overlap in time."
            ),
            RegionError::Cycle { hierarchy, year, path } => write!(
                f,
                "The {hierarchy} hierarchy has a cycle in {year}: {}; accepted: a region is \
                 never its own ancestor.",
                format_path(path)
            ),
        }
    }
}

impl std::error::Error for RegionError {}

// ---------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------

/// The reference tree: 湖南省 → 株洲市 → its nine county-level divisions, and two parks.
///
/// Dates are the project's reference simplification, not a full history:
/// - 株洲市 has existed since 1949; its membership in 湖南省, and those of its county-level
///   divisions, start in 1983 (the year the city took roughly its present shape).
/// - 株洲县 (430221) is in force until 2018 exclusive (last year 2017); 渌口区 (430212),
///   which replaced it, from 2018. The count of county-level divisions stays nine.
/// - Names and kinds are today's; earlier renames (e.g. 酃县 → 炎陵县, 醴陵县 → 醴陵市, the
///   city districts' reorganisation in 1997) are not modelled.
/// - Parks, park hierarchy: 株洲高新区 (P43001, national) under 天元区 from 1992; 炎陵高新区
///   (P43002, provincial) under 炎陵县 from 2021.
///
/// Returns regions sorted by code and memberships in the same order; both pass
/// [`validate_memberships`].
#[must_use]
pub fn zhuzhou_seed() -> (Vec<Region>, Vec<Membership>) {
    use Hierarchy::{Administrative, Park};
    use RegionKind::{City, County, CountyCity, District, HighTechZone, Province};

    let code = |text: &str| RegionCode::parse(text).expect("seed codes are valid");
    let region = |text: &str, name_zh: &str, name_en: &str, kind, park_level| Region {
        code: code(text),
        name_zh: name_zh.to_owned(),
        name_en: name_en.to_owned(),
        kind,
        park_level,
    };
    let member = |child: &str, parent: &str, hierarchy, valid_from, valid_to| Membership {
        child: code(child),
        parent: code(parent),
        hierarchy,
        valid_from,
        valid_to,
    };

    let regions = vec![
        region("430000", "湖南省", "Hunan Province", Province, None),
        region("430200", "株洲市", "Zhuzhou", City, None),
        region("430202", "荷塘区", "Hetang District", District, None),
        region("430203", "芦淞区", "Lusong District", District, None),
        region("430204", "石峰区", "Shifeng District", District, None),
        region("430211", "天元区", "Tianyuan District", District, None),
        region("430212", "渌口区", "Lukou District", District, None),
        region("430221", "株洲县", "Zhuzhou County", County, None),
        region("430223", "攸县", "You County", County, None),
        region("430224", "茶陵县", "Chaling County", County, None),
        region("430225", "炎陵县", "Yanling County", County, None),
        region("430281", "醴陵市", "Liling City", CountyCity, None),
        region("P43001", "株洲高新区", "Zhuzhou National High-tech Zone", HighTechZone, Some(ParkLevel::National)),
        region("P43002", "炎陵高新区", "Yanling High-tech Zone", HighTechZone, Some(ParkLevel::Provincial)),
    ];

    let memberships = vec![
        member("430200", "430000", Administrative, 1983, None),
        member("430202", "430200", Administrative, 1983, None),
        member("430203", "430200", Administrative, 1983, None),
        member("430204", "430200", Administrative, 1983, None),
        member("430211", "430200", Administrative, 1983, None),
        member("430212", "430200", Administrative, 2018, None),
        member("430221", "430200", Administrative, 1983, Some(2018)),
        member("430223", "430200", Administrative, 1983, None),
        member("430224", "430200", Administrative, 1983, None),
        member("430225", "430200", Administrative, 1983, None),
        member("430281", "430200", Administrative, 1983, None),
        member("P43001", "430211", Park, 1992, None),
        member("P43002", "430225", Park, 2021, None),
    ];

    (regions, memberships)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(text: &str) -> RegionCode {
        RegionCode::parse(text).unwrap()
    }

    fn parse_code(text: &str) -> &'static str {
        RegionCode::parse(text).unwrap_err().code()
    }

    fn codes(nodes: &[TreeNode]) -> Vec<&str> {
        nodes.iter().map(|node| node.region.code.as_str()).collect()
    }

    /// Every code in the forest, pre-order.
    fn flatten(nodes: &[TreeNode]) -> Vec<RegionCode> {
        nodes.iter().flat_map(|node| std::iter::once(node.region.code.clone()).chain(flatten(&node.children))).collect()
    }

    fn find<'a>(nodes: &'a [TreeNode], wanted: &str) -> Option<&'a TreeNode> {
        nodes.iter().find_map(|node| {
            if node.region.code.as_str() == wanted {
                Some(node)
            } else {
                find(&node.children, wanted)
            }
        })
    }

    fn membership(child: &str, parent: &str, from: i32, to: Option<i32>) -> Membership {
        Membership {
            child: code(child),
            parent: code(parent),
            hierarchy: Hierarchy::Administrative,
            valid_from: from,
            valid_to: to,
        }
    }

    // --- RegionCode: accepted forms ------------------------------------------------------

    #[test]
    fn accepts_administrative_codes_at_each_level() {
        for text in ["430000", "430200", "430211", "110101", "469001", "820000"] {
            let parsed = code(text);
            assert_eq!(parsed.as_str(), text);
            assert!(!parsed.is_park());
        }
    }

    #[test]
    fn accepts_park_codes() {
        let park = code("P43001");
        assert!(park.is_park());
        assert_eq!(park.to_string(), "P43001");
    }

    #[test]
    fn accepts_every_province_and_nothing_else() {
        let provinces: Vec<u8> = (10..=99).filter(|&n| is_province_code(n)).collect();
        assert_eq!(provinces.len(), 34, "34 province-level divisions");
        for n in 0..=99_u8 {
            let text = format!("{n:02}0000");
            assert_eq!(RegionCode::parse(&text).is_ok(), is_province_code(n), "{text}");
        }
    }

    // --- RegionCode: one test per rejection rule -----------------------------------------

    #[test]
    fn rejects_empty_code() {
        assert_eq!(RegionCode::parse(""), Err(RegionError::EmptyCode));
    }

    #[test]
    fn rejects_all_zero_code() {
        assert_eq!(
            RegionCode::parse("000000"),
            Err(RegionError::UnknownProvince { value: "000000".into(), province: "00".into() })
        );
    }

    #[test]
    fn rejects_unknown_province() {
        for text in ["990000", "100000", "160000", "720000", "830000", "900000"] {
            assert_eq!(parse_code(text), "region.unknown_province", "{text}");
        }
    }

    #[test]
    fn rejects_county_part_without_city_part() {
        assert_eq!(parse_code("430002"), "region.invalid_code_structure");
        assert_eq!(parse_code("430010"), "region.invalid_code_structure");
    }

    #[test]
    fn rejects_wrong_length() {
        for text in ["43020", "4302000", "P4300", "P430011", "P"] {
            assert_eq!(parse_code(text), "region.invalid_code_format", "{text}");
        }
    }

    #[test]
    fn rejects_non_digits() {
        for text in ["43020a", "PP3001", "P4300a", "４３０２００", "43-200"] {
            assert_eq!(parse_code(text), "region.invalid_code_format", "{text}");
        }
    }

    #[test]
    fn rejects_lowercase_park_prefix() {
        assert_eq!(parse_code("p43001"), "region.invalid_code_format");
    }

    #[test]
    fn rejects_surrounding_whitespace() {
        for text in [" 430200", "430200 ", "430200\n"] {
            assert_eq!(parse_code(text), "region.invalid_code_format", "{text:?}");
        }
    }

    #[test]
    fn code_error_names_value_and_accepted_forms() {
        let message = RegionCode::parse("43020").unwrap_err().to_string();
        assert!(message.contains("\"43020\""), "{message}");
        assert!(message.contains("430200") && message.contains("P43001"), "{message}");
    }

    #[test]
    fn code_serde_is_the_string_and_validates() {
        assert_eq!(serde_json::to_string(&code("430200")).unwrap(), "\"430200\"");
        assert_eq!(serde_json::from_str::<RegionCode>("\"P43001\"").unwrap(), code("P43001"));
        let error = serde_json::from_str::<RegionCode>("\"000000\"").unwrap_err();
        assert!(error.to_string().contains("not a province code"), "{error}");
    }

    // --- kinds, levels, hierarchies --------------------------------------------------------

    #[test]
    fn kind_strings_round_trip_and_match_serde() {
        for kind in RegionKind::ALL {
            assert_eq!(RegionKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
        }
        for level in ParkLevel::ALL {
            assert_eq!(ParkLevel::parse(level.as_str()), Ok(level));
            assert_eq!(serde_json::to_string(&level).unwrap(), format!("\"{}\"", level.as_str()));
        }
        for hierarchy in Hierarchy::ALL {
            assert_eq!(Hierarchy::parse(hierarchy.as_str()), Ok(hierarchy));
            assert_eq!(serde_json::to_string(&hierarchy).unwrap(), format!("\"{}\"", hierarchy.as_str()));
        }
    }

    #[test]
    fn only_park_kinds_are_parks() {
        let parks: Vec<&str> =
            RegionKind::ALL.into_iter().filter(|kind| kind.is_park()).map(RegionKind::as_str).collect();
        assert_eq!(parks, ["high_tech_zone", "development_zone", "industrial_park", "innovation_demo_zone"]);
    }

    #[test]
    fn rejects_unknown_kind_level_and_hierarchy() {
        assert_eq!(RegionKind::parse("County").unwrap_err().code(), "region.unknown_kind");
        assert_eq!(RegionKind::parse("").unwrap_err().code(), "region.unknown_kind");
        assert_eq!(ParkLevel::parse("municipal").unwrap_err().code(), "region.unknown_park_level");
        assert_eq!(Hierarchy::parse("admin").unwrap_err().code(), "region.unknown_hierarchy");
    }

    // --- the Zhuzhou reference tree ----------------------------------------------------

    fn county_level_children(year: i32) -> Vec<String> {
        let (regions, memberships) = zhuzhou_seed();
        let tree = tree_as_of(&regions, &memberships, year, Hierarchy::Administrative);
        let city = find(&tree, "430200").expect("株洲市 in the tree");
        codes(&city.children).into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn seed_is_valid() {
        let (regions, memberships) = zhuzhou_seed();
        assert_eq!(validate_memberships(&regions, &memberships), Ok(()));
    }

    #[test]
    fn tree_2017_has_zhuzhou_county_and_not_lukou() {
        let children = county_level_children(2017);
        assert!(children.iter().any(|c| c == "430221"));
        assert!(!children.iter().any(|c| c == "430212"));
        assert_eq!(children.len(), 9);
    }

    #[test]
    fn tree_2021_has_lukou_and_not_zhuzhou_county() {
        let children = county_level_children(2021);
        assert!(children.iter().any(|c| c == "430212"));
        assert!(!children.iter().any(|c| c == "430221"));
        assert_eq!(children.len(), 9);
    }

    #[test]
    fn administrative_tree_has_one_root_and_sorted_children() {
        let (regions, memberships) = zhuzhou_seed();
        let tree = tree_as_of(&regions, &memberships, 2021, Hierarchy::Administrative);
        assert_eq!(codes(&tree), ["430000"]);
        assert_eq!(codes(&tree[0].children), ["430200"]);
        assert_eq!(
            codes(&tree[0].children[0].children),
            ["430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281"]
        );
        assert!(tree_as_of(&regions, &memberships, 1982, Hierarchy::Administrative).is_empty());
    }

    #[test]
    fn yanling_zone_appears_in_the_park_tree_from_2021() {
        let (regions, memberships) = zhuzhou_seed();
        let tree_2020 = tree_as_of(&regions, &memberships, 2020, Hierarchy::Park);
        assert!(find(&tree_2020, "P43002").is_none());
        assert_eq!(codes(&tree_2020), ["430211"]);

        let tree_2021 = tree_as_of(&regions, &memberships, 2021, Hierarchy::Park);
        assert_eq!(codes(&tree_2021), ["430211", "430225"]);
        assert_eq!(codes(&find(&tree_2021, "430225").unwrap().children), ["P43002"]);
        assert_eq!(codes(&find(&tree_2021, "430211").unwrap().children), ["P43001"]);
    }

    #[test]
    fn park_tree_before_1992_is_empty() {
        let (regions, memberships) = zhuzhou_seed();
        assert!(tree_as_of(&regions, &memberships, 1991, Hierarchy::Park).is_empty());
    }

    #[test]
    fn memberships_to_unlisted_regions_are_ignored_by_the_tree() {
        let (regions, memberships) = zhuzhou_seed();
        // Without the province, the city becomes the root.
        let without_province: Vec<Region> = regions.into_iter().filter(|r| r.code.as_str() != "430000").collect();
        let tree = tree_as_of(&without_province, &memberships, 2021, Hierarchy::Administrative);
        assert_eq!(codes(&tree), ["430200"]);
    }

    #[test]
    fn descendants_include_the_root_in_pre_order() {
        let (_, memberships) = zhuzhou_seed();
        let city = code("430200");
        let found = descendants_as_of(&city, &memberships, 2017, Hierarchy::Administrative);
        assert_eq!(found.len(), 10);
        assert_eq!(found[0], city);
        assert!(found.contains(&code("430221")) && !found.contains(&code("430212")));

        let province = descendants_as_of(&code("430000"), &memberships, 2021, Hierarchy::Administrative);
        assert_eq!(province[..2], [code("430000"), city]);

        let lonely = descendants_as_of(&code("430202"), &memberships, 2021, Hierarchy::Administrative);
        assert_eq!(lonely, [code("430202")]);
        let host = descendants_as_of(&code("430225"), &memberships, 2021, Hierarchy::Park);
        assert_eq!(host, [code("430225"), code("P43002")]);
    }

    #[test]
    fn descendants_stop_on_a_cycle() {
        let memberships = [membership("430202", "430203", 2000, None), membership("430203", "430202", 2000, None)];
        let found = descendants_as_of(&code("430202"), &memberships, 2000, Hierarchy::Administrative);
        assert_eq!(found, [code("430202"), code("430203")]);
    }

    // --- validate_memberships: one test per rule ------------------------------------------

    fn validate_with(extra: Membership) -> Result<(), RegionError> {
        let (regions, mut memberships) = zhuzhou_seed();
        memberships.push(extra);
        validate_memberships(&regions, &memberships)
    }

    #[test]
    fn rejects_duplicate_region() {
        let (mut regions, memberships) = zhuzhou_seed();
        regions.push(regions[3].clone());
        assert_eq!(
            validate_memberships(&regions, &memberships),
            Err(RegionError::DuplicateRegion { code: code("430203") })
        );
    }

    #[test]
    fn rejects_kind_that_does_not_fit_code() {
        let (mut regions, memberships) = zhuzhou_seed();
        regions[1].kind = RegionKind::HighTechZone;
        assert_eq!(validate_memberships(&regions, &memberships).unwrap_err().code(), "region.kind_code_mismatch");
    }

    #[test]
    fn rejects_unknown_codes() {
        let error = validate_with(membership("430300", "430000", 1983, None)).unwrap_err();
        assert_eq!(
            error,
            RegionError::UnknownRegion {
                code: code("430300"),
                child: code("430300"),
                parent: code("430000"),
                hierarchy: Hierarchy::Administrative,
                valid_from: 1983,
            }
        );
        let error = validate_with(membership("430202", "430100", 1983, None)).unwrap_err();
        assert_eq!(error.code(), "region.unknown_region");
        assert!(error.to_string().contains("region 430100"), "{error}");
    }

    #[test]
    fn rejects_end_not_after_start() {
        for to in [1990, 1989] {
            let error = validate_with(membership("430202", "430000", 1990, Some(to))).unwrap_err();
            assert_eq!(error.code(), "region.invalid_validity", "valid_to {to}");
        }
    }

    #[test]
    fn rejects_two_parents_in_the_same_year() {
        // 荷塘区 also put directly under the province from 2010.
        let error = validate_with(membership("430202", "430000", 2010, None)).unwrap_err();
        assert_eq!(
            error,
            RegionError::TwoParents {
                child: code("430202"),
                hierarchy: Hierarchy::Administrative,
                year: 2010,
                first_parent: code("430000"),
                second_parent: code("430200"),
            }
        );
    }

    #[test]
    fn accepts_a_change_of_parent_between_years() {
        let (regions, mut memberships) = zhuzhou_seed();
        memberships[1].valid_to = Some(2010);
        memberships.push(membership("430202", "430000", 2010, None));
        assert_eq!(validate_memberships(&regions, &memberships), Ok(()));
        let tree = tree_as_of(&regions, &memberships, 2010, Hierarchy::Administrative);
        assert_eq!(codes(&tree[0].children), ["430200", "430202"]);
    }

    #[test]
    fn rejects_overlapping_duplicate_membership() {
        let error = validate_with(membership("430203", "430200", 2000, Some(2005))).unwrap_err();
        assert_eq!(error.code(), "region.duplicate_membership");
        assert!(error.to_string().contains("in 2000"), "{error}");
    }

    #[test]
    fn rejects_cycle() {
        // The province under one of its own districts from 2000.
        let error = validate_with(membership("430000", "430202", 2000, None)).unwrap_err();
        assert_eq!(
            error,
            RegionError::Cycle {
                hierarchy: Hierarchy::Administrative,
                year: 2000,
                path: vec![code("430000"), code("430202"), code("430200"), code("430000")],
            }
        );
        assert!(error.to_string().contains("430000 -> 430202 -> 430200 -> 430000"), "{error}");
    }

    #[test]
    fn rejects_self_membership_as_cycle() {
        let error = validate_with(membership("430000", "430000", 2000, None)).unwrap_err();
        assert_eq!(error.code(), "region.cycle");
        assert!(error.to_string().contains("430000 -> 430000"), "{error}");
    }

    #[test]
    fn accepts_cycle_spread_over_different_years() {
        let (regions, _) = zhuzhou_seed();
        let memberships =
            [membership("430202", "430203", 1990, Some(2000)), membership("430203", "430202", 2000, None)];
        assert_eq!(validate_memberships(&regions, &memberships), Ok(()));
    }

    #[test]
    fn rejects_park_in_administrative_hierarchy() {
        let error = validate_with(membership("P43001", "430211", 1992, None)).unwrap_err();
        assert_eq!(error.code(), "region.wrong_hierarchy");
        assert!(error.to_string().contains("region P43001 (high_tech_zone)"), "{error}");
    }

    #[test]
    fn rejects_administrative_child_in_park_hierarchy() {
        let mut extra = membership("430202", "P43001", 2000, None);
        extra.hierarchy = Hierarchy::Park;
        assert_eq!(validate_with(extra).unwrap_err().code(), "region.wrong_hierarchy");
    }

    // --- messages ----------------------------------------------------------------------

    /// Every variant has a template row in the module docs whose English text, filled in
    /// with `args()`, is exactly the `Display` output, and whose Chinese text uses only
    /// named arguments that `args()` provides.
    #[test]
    fn module_doc_templates_match_display_and_args() {
        let seeded = |extra| validate_with(extra).unwrap_err();
        let mut park_in_admin = membership("430202", "P43001", 2000, None);
        park_in_admin.hierarchy = Hierarchy::Administrative;
        let (mut regions, memberships) = zhuzhou_seed();
        regions[0].kind = RegionKind::IndustrialPark;
        let samples = [
            RegionCode::parse("").unwrap_err(),
            RegionCode::parse("43020").unwrap_err(),
            RegionCode::parse("000000").unwrap_err(),
            RegionCode::parse("430002").unwrap_err(),
            RegionKind::parse("town").unwrap_err(),
            ParkLevel::parse("city").unwrap_err(),
            Hierarchy::parse("tree").unwrap_err(),
            RegionError::DuplicateRegion { code: code("430200") },
            validate_memberships(&regions, &memberships).unwrap_err(),
            seeded(membership("430300", "430000", 1983, None)),
            seeded(membership("430202", "430000", 1990, Some(1990))),
            seeded(park_in_admin),
            seeded(membership("430202", "430000", 2010, None)),
            seeded(membership("430203", "430200", 2000, None)),
            seeded(membership("430000", "430202", 2000, None)),
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("region.rs"),
            &samples,
            RegionError::code,
            RegionError::args,
        );
    }

    // --- properties --------------------------------------------------------------------

    /// A small pool of administrative codes for random graphs.
    const POOL: [&str; 6] = ["430000", "430200", "430202", "430203", "430204", "430211"];

    fn any_membership() -> impl Strategy<Value = Membership> {
        (0..POOL.len(), 0..POOL.len(), 1990..2010, proptest::option::of(1..15)).prop_map(
            |(child, parent, from, length)| membership(POOL[child], POOL[parent], from, length.map(|l: i32| from + l)),
        )
    }

    proptest! {
        #[test]
        fn seed_tree_lists_each_region_at_most_once(year in 1983..=2030, park in any::<bool>()) {
            let (regions, memberships) = zhuzhou_seed();
            let hierarchy = if park { Hierarchy::Park } else { Hierarchy::Administrative };
            let all = flatten(&tree_as_of(&regions, &memberships, year, hierarchy));
            let unique: BTreeSet<&RegionCode> = all.iter().collect();
            prop_assert_eq!(unique.len(), all.len());
        }

        #[test]
        fn seed_descendants_match_the_tree(year in 1983..=2030) {
            let (regions, memberships) = zhuzhou_seed();
            let tree = tree_as_of(&regions, &memberships, year, Hierarchy::Administrative);
            let root = code("430000");
            prop_assert_eq!(
                descendants_as_of(&root, &memberships, year, Hierarchy::Administrative),
                flatten(&tree)
            );
        }

        /// Even on data that fails validation, the tree terminates and never repeats a
        /// region, and on data that passes it every in-force membership shows up.
        #[test]
        fn random_memberships_give_a_forest(
            memberships in proptest::collection::vec(any_membership(), 0..12),
            year in 1990..2025,
        ) {
            let (regions, _) = zhuzhou_seed();
            let tree = tree_as_of(&regions, &memberships, year, Hierarchy::Administrative);
            let all = flatten(&tree);
            let unique: BTreeSet<&RegionCode> = all.iter().collect();
            prop_assert_eq!(unique.len(), all.len());
            for root in POOL.map(code) {
                let found = descendants_as_of(&root, &memberships, year, Hierarchy::Administrative);
                let unique: BTreeSet<&RegionCode> = found.iter().collect();
                prop_assert_eq!(unique.len(), found.len());
            }
            if validate_memberships(&regions, &memberships).is_ok() {
                let in_force = memberships.iter().filter(|m| m.in_force(year)).count();
                // In a forest, nodes = edges + roots.
                prop_assert_eq!(all.len(), in_force + tree.len());
            }
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,8}") {
            let _ = RegionCode::parse(&input);
        }

        #[test]
        fn parsed_codes_print_as_given(input in "P?[0-9]{5,6}") {
            if let Ok(parsed) = RegionCode::parse(&input) {
                prop_assert_eq!(parsed.as_str(), input.as_str());
                prop_assert_eq!(parsed.is_park(), input.starts_with('P'));
            }
        }
    }
}
