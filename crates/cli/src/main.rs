//! `gaodi`: the one binary. Serves the web UI and API, runs migrations, manages users, loads
//! the demo, verifies the audit log.

mod assign;
mod config;
mod demo;
mod index;
mod indicators;
mod rules;

use std::io::{BufRead, Write as _};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use gaodi_domain::access::{Role, Username};
use gaodi_domain::region::RegionCode;
use gaodi_store::user::{generate_password, NewUser};
use gaodi_store::{Actor, Store, StoreError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use config::{Config, Layer};

/// gaodi (高地): the science & technology bureau's innovation platform.
#[derive(Parser)]
#[command(name = "gaodi", version, about)]
struct Cli {
    /// Configuration file (TOML). Env GAODI_CONFIG.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH (default ./gaodi.db) or postgres://USER@HOST:PORT/DB.
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates first; creates the first admin if there is none).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Migrate the database to this version's schema.
    Migrate,
    /// Check that a running server answers (exit code 0 if ready).
    Healthcheck {
        /// Address of the server.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Migrate, load the Zhuzhou demo data, print the demo accounts and serve.
    Demo {
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo data and exit without serving (accounts are not created).
        #[arg(long)]
        load_only: bool,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import a registry from an .xlsx or .csv file, all or nothing (KIND: organisation, tier,
    /// financials, ip, platform, person, award, contract, loan, event). Prints the report;
    /// exit code 1 if any row was refused.
    Import { kind: String, file: PathBuf },
    /// Composite indices (JRC/OECD method).
    #[command(subcommand)]
    Index(IndexCommand),
    /// Policy rules: high-tech enterprise, S&T SME, R&D super-deduction, Hunan R&D reward.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Indicators computed from the database: values, targets, status.
    #[command(subcommand)]
    Indicators(IndicatorsCommand),
    /// Reviewer assignment: the exact optimal solver on a benchmark instance folder.
    #[command(subcommand)]
    Assign(assign::AssignCommand),
    /// Export a registry in its import template's layout (an export re-imports unchanged).
    Export {
        kind: String,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print a one-time password.
    Add {
        username: String,
        /// admin, city_staff, district_staff, enterprise_user, expert or leader.
        #[arg(long)]
        role: String,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Region codes for district staff (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        region: Vec<String>,
        /// Organisation id for enterprise users.
        #[arg(long)]
        organisation: Option<i64>,
    },
    /// List users.
    List,
    /// Set a new password: a generated one-time password, or one read from standard input
    /// with --stdin (then no change is forced at next login).
    Passwd {
        username: String,
        #[arg(long)]
        stdin: bool,
    },
    /// Disable a user (their sessions end at once).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Evaluate one firm's JSON (docs/policy-input.schema.json) against a rule; prints the result.
    Check(rules::RulesCheckArgs),
}

#[derive(Subcommand)]
enum IndicatorsCommand {
    /// Every indicator of a region and period with target, comparator and status (CSV or JSON).
    Show(indicators::ShowArgs),
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Build scores, aggregates and ranks from CSV files and a METHOD.toml.
    Build(index::IndexBuildArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain; exit code 1 if it is broken.
    Verify,
}

fn env_pairs() -> Vec<(String, String)> {
    std::env::vars().filter(|(k, _)| k.starts_with("GAODI_")).collect()
}

fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("gaodi: error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = cli.config.clone().or_else(|| std::env::var_os("GAODI_CONFIG").map(PathBuf::from));
    let bind_flag = match &cli.command {
        Command::Serve { bind } | Command::Demo { bind, .. } | Command::Healthcheck { bind } => bind.clone(),
        _ => None,
    };
    let flags = Layer { database_url: cli.database.clone(), bind: bind_flag, ..Layer::default() };
    let config = Config::load(file.as_deref(), &env_pairs(), flags)?;
    init_logging(&config.log);
    match cli.command {
        Command::Serve { .. } => {
            let store = open(&config).await?;
            ensure_admin(&store).await?;
            store.install_catalogue(&Actor::system("catalogue")).await?;
            serve(&config, store, None).await
        }
        Command::Demo { load_only: true, .. } => {
            let store = open(&config).await?;
            demo::load_data(&store).await.context("loading the demo data")?;
            println!("demo data loaded");
            Ok(())
        }
        Command::Demo { .. } => {
            let store = open(&config).await?;
            let accounts = demo::load(&store).await.context("loading the demo data")?;
            serve(&config, store, Some(accounts)).await
        }
        Command::Migrate => {
            let store = open(&config).await?;
            let n = store.db().known_migrations().len();
            println!("database migrated ({} backend, {n} migrations)", store.backend().as_str());
            Ok(())
        }
        Command::Healthcheck { .. } => healthcheck(&config.bind).await,
        Command::User(cmd) => user_command(&open(&config).await?, cmd).await,
        // Pure computation on files: no database involved.
        Command::Index(IndexCommand::Build(args)) => index::run(&args),
        Command::Rules(RulesCommand::Check(args)) => rules::run(&args),
        Command::Indicators(IndicatorsCommand::Show(args)) => {
            let store = open(&config).await?;
            store.install_catalogue(&Actor::system("catalogue")).await?;
            indicators::show(&store, &args).await
        }
        Command::Assign(command) => assign::run(&command),
        Command::Import { kind, file } => import_command(&open(&config).await?, &kind, &file).await,
        Command::Export { kind, format, out } => {
            export_command(&open(&config).await?, &kind, &format, out.as_deref()).await
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = open(&config).await?;
            match store.verify_audit().await {
                Ok(n) => {
                    println!("audit log intact: {n} events checked");
                    Ok(())
                }
                Err(StoreError::AuditChain(b)) => {
                    eprintln!("gaodi: AUDIT LOG BROKEN: {b}");
                    std::process::exit(1);
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    Store::open(&config.database_url)
        .await
        .with_context(|| format!("opening database {}", redact(&config.database_url)))
}

/// Hides a password in a database URL for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if url[s + 3..at].contains(':') => {
            let user_end = url[s + 3..at].find(':').map_or(at, |i| s + 3 + i);
            format!("{}:***{}", &url[..user_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// On a database without an admin, creates `admin` with a one-time password and prints it.
async fn ensure_admin(store: &Store) -> anyhow::Result<()> {
    if store.has_admin().await? {
        return Ok(());
    }
    let password = generate_password();
    let new = NewUser {
        username: Username::parse("admin").expect("valid"),
        display_name: "系统管理员".to_owned(),
        role: Role::Admin,
        regions: Vec::new(),
        organisation_id: None,
    };
    store.create_user(&Actor::system("first-start"), &new, &password).await?;
    println!("first start: created user admin with one-time password {password} (it must be changed at first login)");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

async fn serve(config: &Config, store: Store, accounts: Option<Vec<demo::DemoAccount>>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let settings = gaodi_web::WebSettings {
        public_origins: config.public_urls.clone(),
        secure_cookies: config.secure_cookies,
        body_limit: config.body_limit,
    };
    let state = gaodi_web::AppState::new(store, settings);
    let mut out = std::io::stdout().lock();
    writeln!(out, "gaodi is listening on http://{addr}/")?;
    if let Some(accounts) = accounts {
        for a in accounts {
            writeln!(out, "demo account: {} / {} ({})", a.username, a.password, a.role.as_str())?;
        }
        writeln!(out, "(one-time passwords: each account must choose its own password at first login)")?;
    }
    out.flush()?;
    drop(out);
    gaodi_web::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

/// GET /readyz on the server; succeeds on 200.
async fn healthcheck(bind: &str) -> anyhow::Result<()> {
    let addr = bind.replace("0.0.0.0", "127.0.0.1");
    let mut s = tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::TcpStream::connect(&addr))
        .await
        .with_context(|| format!("timed out connecting to {addr}"))?
        .with_context(|| format!("cannot connect to {addr}"))?;
    s.write_all(format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut buf = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf)).await.context("timed out")??;
    let head = String::from_utf8_lossy(&buf);
    let status = head.lines().next().unwrap_or("");
    if status.contains(" 200 ") {
        println!("ready");
        Ok(())
    } else {
        bail!("server at {addr} is not ready: {status}")
    }
}

fn registry_kind(kind: &str) -> anyhow::Result<gaodi_store::transfer::RegistryKind> {
    gaodi_store::transfer::RegistryKind::parse(kind).ok_or_else(|| {
        anyhow::anyhow!("unknown registry {kind:?}: use {}", gaodi_store::transfer::RegistryKind::names())
    })
}

async fn import_command(store: &Store, kind: &str, file: &std::path::Path) -> anyhow::Result<()> {
    use gaodi_store::tabular::{read_table, Format};
    let kind = registry_kind(kind)?;
    let format = Format::from_path(file).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let table = read_table(&bytes, format).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let actor = Actor::system("cli-import");
    let report = store.import_registry(kind, &actor, &gaodi_domain::access::Scope::All, &table).await?;
    if report.is_ok() {
        println!(
            "imported {} rows, 0 errors: {} new, {} updated, {} unchanged",
            report.rows, report.inserted, report.updated, report.unchanged
        );
        Ok(())
    } else {
        eprintln!("refused: {} rows, {} errors; nothing was written", report.rows, report.errors.len());
        for e in &report.errors {
            let args: Vec<String> = e.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
            eprintln!(
                "  sheet {} row {} column {:?} value {:?}: {} {}",
                e.sheet,
                e.line,
                e.column,
                e.value,
                e.code,
                args.join(" ")
            );
        }
        std::process::exit(1);
    }
}

/// Exports a whole registry (the operator at the command line sees full ID numbers, as an admin).
async fn export_command(store: &Store, kind: &str, format: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    use gaodi_store::tabular::{write_table, Format};
    let kind = registry_kind(kind)?;
    let format = Format::parse(format).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (headers, rows) =
        store.export_registry(kind, &gaodi_domain::access::Scope::All, gaodi_store::person::IdView::Full).await?;
    let bytes = write_table(&headers, &rows, kind.as_str(), format).map_err(|e| anyhow::anyhow!("{e}"))?;
    match out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} rows to {}", rows.len(), path.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?,
    }
    Ok(())
}

async fn user_command(store: &Store, cmd: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match cmd {
        UserCommand::Add { username, role, name, region, organisation } => {
            let username = Username::parse(&username)?;
            let role = Role::parse(&role)?;
            let regions = region.iter().map(|r| RegionCode::parse(r.trim())).collect::<Result<Vec<_>, _>>()?;
            let new = NewUser {
                display_name: name.unwrap_or_else(|| username.to_string()),
                username,
                role,
                regions,
                organisation_id: organisation,
            };
            let password = generate_password();
            let u = store.create_user(&actor, &new, &password).await?;
            println!("created user {} ({}); one-time password: {password}", u.username, u.role);
        }
        UserCommand::List => {
            println!("{:<20} {:<16} {:<24} {:<8} last login", "username", "role", "scope", "status");
            for u in store.list_users().await? {
                let scope = match u.role {
                    Role::DistrictStaff => u.regions.join(","),
                    Role::EnterpriseUser => format!("org #{}", u.organisation_id.unwrap_or_default()),
                    _ => "-".to_owned(),
                };
                let status = if u.disabled {
                    "disabled"
                } else if u.must_change_password {
                    "must-change"
                } else {
                    "active"
                };
                let last = u.last_login_at.map(|t| t.to_string()).unwrap_or_default();
                println!("{:<20} {:<16} {:<24} {:<8} {last}", u.username, u.role.as_str(), scope, status);
            }
        }
        UserCommand::Passwd { username, stdin } => {
            let u = store.user_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            if stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                let pw = line.trim_end_matches(['\r', '\n']);
                store.set_password(&actor, u.user_id, pw, false, None).await?;
                println!("password of {username} changed");
            } else {
                let pw = generate_password();
                store.set_password(&actor, u.user_id, &pw, true, None).await?;
                println!("password of {username} reset; one-time password: {pw}");
            }
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } if username.is_empty() => {
            bail!("a username is required")
        }
        UserCommand::Disable { username } => {
            let u = store.user_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            store.set_user_disabled(&actor, u.user_id, true).await?;
            println!("user {username} disabled");
        }
        UserCommand::Enable { username } => {
            let u = store.user_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            store.set_user_disabled(&actor, u.user_id, false).await?;
            println!("user {username} enabled");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(redact("postgres://gaodi:secret@db:5432/gaodi"), "postgres://gaodi:***@db:5432/gaodi");
        assert_eq!(redact("sqlite://./gaodi.db"), "sqlite://./gaodi.db");
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
