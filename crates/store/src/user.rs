//! Users, their scope, passwords, sessions and API tokens.
//!
//! Passwords are Argon2id hashes. Sessions and API tokens are random tokens of which only the
//! SHA-256 is stored, so a copy of the database does not let anyone log in.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use gaodi_domain::access::{check_password_strength, Role, Scope, Username};
use gaodi_domain::region::RegionCode;
use rand::distributions::Uniform;
use rand::{rngs::OsRng, Rng, RngCore};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::db::{query, Row};
use crate::{now, Actor, AuditEntry, Store, StoreError};

/// Failed logins in a row before the account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock-out lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// How long a session lives after login.
pub const SESSION_TTL: Duration = Duration::hours(12);

/// A user as the rest of gaodi sees it (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub regions: Vec<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    /// The part of the data this user sees.
    pub fn scope(&self) -> Scope {
        let regions = self.regions.iter().filter_map(|c| RegionCode::parse(c).ok()).collect();
        // A stored user always has a consistent scope (checked at creation); should it not,
        // the user sees nothing rather than everything.
        Scope::for_role(self.role, regions, self.organisation_id).unwrap_or(Scope::Assigned)
    }
}

/// A new user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub regions: Vec<RegionCode>,
    pub organisation_id: Option<i64>,
}

/// Why a login failed. The message shown never tells whether the user exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown user or wrong password.
    BadCredentials,
    /// Too many failures: locked until the given time.
    Locked(OffsetDateTime),
    Disabled,
}

/// An open session: the user and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: i64,
    pub user: User,
    pub csrf_token: String,
}

/// A random token as hex (32 bytes of entropy).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A one-time password that always passes [`check_password_strength`]: 16 characters from an
/// alphabet without look-alikes (no 0/O, 1/l/I), with at least one lower, upper and digit.
pub fn generate_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let all: Vec<u8> = [LOWER, UPPER, DIGIT].concat();
    let mut rng = OsRng;
    loop {
        let pick = Uniform::from(0..all.len());
        let p: String = (0..16).map(|_| char::from(all[rng.sample(pick)])).collect();
        if check_password_strength(&p).is_ok() {
            return p;
        }
    }
}

async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Config(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| StoreError::Config(format!("password hashing task failed: {e}")))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

const USER_COLUMNS: &str = "user_id, username, display_name, role, organisation_id, must_change_password, \
     disabled, locked_until, last_login_at, created_at";

impl Store {
    async fn user_from_row(&self, row: &Row) -> Result<User, StoreError> {
        let user_id: i64 = row.get("user_id")?;
        let role: String = row.get("role")?;
        let regions = self
            .db()
            .fetch_all(
                query("select region_code from user_region where user_id = $1 order by region_code").bind(user_id),
            )
            .await?
            .iter()
            .map(|r| r.get::<String>("region_code"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(User {
            user_id,
            username: row.get("username")?,
            display_name: row.get("display_name")?,
            role: Role::parse(&role).map_err(|e| StoreError::Decode(e.to_string()))?,
            organisation_id: row.get("organisation_id")?,
            regions,
            must_change_password: row.get("must_change_password")?,
            disabled: row.get("disabled")?,
            locked_until: row.get("locked_until")?,
            last_login_at: row.get("last_login_at")?,
            created_at: row.get("created_at")?,
        })
    }

    /// Creates a user with the given initial password, which must be changed at first login.
    /// Fails with `Duplicate` if the username is taken, `Invalid` if the scope does not fit the
    /// role or names an unknown region or organisation.
    pub async fn create_user(&self, actor: &Actor, new: &NewUser, password: &str) -> Result<User, StoreError> {
        check_password_strength(password).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("password")))?;
        gaodi_domain::access::Scope::for_role(new.role, new.regions.clone(), new.organisation_id)
            .map_err(|e| StoreError::invalid(e.code(), e.args(), Some("role")))?;
        let hash = hash_password(password.to_owned()).await?;
        let t = now();
        let mut tx = self.begin().await?;
        let organisation_id = if new.role == Role::EnterpriseUser { new.organisation_id } else { None };
        let row = tx
            .fetch_one(
                query(
                    "insert into app_user (username, display_name, role, organisation_id, password_hash, \
                     must_change_password, disabled, failed_logins, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) returning user_id",
                )
                .bind(new.username.as_str())
                .bind(&new.display_name)
                .bind(new.role.as_str())
                .bind(organisation_id)
                .bind(hash)
                .bind(true)
                .bind(false)
                .bind(t),
            )
            .await
            .map_err(|e| crate::error::on_duplicate(e, "username", new.username.as_str()))?;
        let user_id: i64 = row.get("user_id")?;
        if new.role == Role::DistrictStaff {
            for code in &new.regions {
                let known = tx
                    .fetch_optional(query("select region_code from region where region_code = $1").bind(code.as_str()))
                    .await?;
                if known.is_none() {
                    return Err(StoreError::invalid(
                        "region.unknown",
                        vec![("code", code.to_string())],
                        Some("regions"),
                    ));
                }
                tx.execute(
                    query("insert into user_region (user_id, region_code) values ($1, $2)")
                        .bind(user_id)
                        .bind(code.as_str()),
                )
                .await?;
            }
        }
        let regions: Vec<String> = new.regions.iter().map(ToString::to_string).collect();
        let after = serde_json::json!({
            "username": new.username.as_str(), "display_name": new.display_name, "role": new.role,
            "organisation_id": organisation_id, "regions": regions,
        });
        tx.audit(actor, AuditEntry::new("user.create", "user", user_id).after(&after).region(regions.first().cloned()))
            .await?;
        tx.commit().await?;
        self.user_by_id(user_id).await
    }

    pub async fn user_by_id(&self, user_id: i64) -> Result<User, StoreError> {
        let row = self
            .db()
            .fetch_one(query(format!("select {USER_COLUMNS} from app_user where user_id = $1")).bind(user_id))
            .await?;
        self.user_from_row(&row).await
    }

    pub async fn user_by_name(&self, username: &str) -> Result<User, StoreError> {
        let row = self
            .db()
            .fetch_one(query(format!("select {USER_COLUMNS} from app_user where username = $1")).bind(username))
            .await?;
        self.user_from_row(&row).await
    }

    /// All users, by username.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = self.db().fetch_all(query(format!("select {USER_COLUMNS} from app_user order by username"))).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.user_from_row(r).await?);
        }
        Ok(out)
    }

    /// Checks a username and password. Counts failures and locks the account for [`LOCKOUT`]
    /// after [`MAX_FAILED_LOGINS`] in a row; a lock-out refuses even the right password.
    pub async fn authenticate(&self, username: &str, password: &str, request_id: &str) -> Result<User, LoginError> {
        let row = self
            .db()
            .fetch_optional(
                query("select user_id, password_hash, failed_logins, locked_until, disabled from app_user where username = $1")
                    .bind(username),
            )
            .await
            .ok()
            .flatten();
        let Some(row) = row else {
            // Spend the same time as a real check, so timing does not tell which users exist.
            let _ = hash_password(password.to_owned()).await;
            return Err(LoginError::BadCredentials);
        };
        let field = |e: StoreError| {
            tracing::error!(error = %e, "reading user for login");
            LoginError::BadCredentials
        };
        let user_id: i64 = row.get("user_id").map_err(field)?;
        let hash: String = row.get("password_hash").map_err(field)?;
        let failed: i64 = row.get("failed_logins").map_err(field)?;
        let locked_until: Option<OffsetDateTime> = row.get("locked_until").map_err(field)?;
        let disabled: bool = row.get("disabled").map_err(field)?;
        let t = now();
        if let Some(until) = locked_until.filter(|u| *u > t) {
            return Err(LoginError::Locked(until));
        }
        let ok = verify_password(password.to_owned(), hash).await;
        if disabled {
            return Err(LoginError::Disabled);
        }
        let actor = Actor { user_id: Some(user_id), username: username.to_owned(), request_id: request_id.to_owned() };
        let result = self.record_login(&actor, user_id, ok, failed, t).await.map_err(field)?;
        match result {
            None => self.user_by_id(user_id).await.map_err(field),
            Some(Some(until)) => Err(LoginError::Locked(until)),
            Some(None) => Err(LoginError::BadCredentials),
        }
    }

    /// Writes the outcome of a login attempt. Returns `None` on success, `Some(lock)` on failure.
    async fn record_login(
        &self,
        actor: &Actor,
        user_id: i64,
        ok: bool,
        failed: i64,
        t: OffsetDateTime,
    ) -> Result<Option<Option<OffsetDateTime>>, StoreError> {
        let mut tx = self.begin().await?;
        let out = if ok {
            tx.execute(
                query(
                    "update app_user set failed_logins = 0, locked_until = null, last_login_at = $1 where user_id = $2",
                )
                .bind(t)
                .bind(user_id),
            )
            .await?;
            tx.audit(actor, AuditEntry::new("session.login", "user", user_id)).await?;
            None
        } else {
            let failed = failed + 1;
            let lock = (failed >= MAX_FAILED_LOGINS).then(|| t + LOCKOUT);
            let stored = if lock.is_some() { 0 } else { failed };
            tx.execute(
                query("update app_user set failed_logins = $1, locked_until = $2 where user_id = $3")
                    .bind(stored)
                    .bind(lock)
                    .bind(user_id),
            )
            .await?;
            let after = serde_json::json!({ "failed_logins": failed, "locked": lock.is_some() });
            tx.audit(actor, AuditEntry::new("session.login_failed", "user", user_id).after(&after)).await?;
            Some(lock)
        };
        tx.commit().await?;
        Ok(out)
    }

    /// Changes one's own password, checking the current one. Clears the must-change flag and
    /// ends the user's other sessions.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        user_id: i64,
        current: &str,
        new: &str,
        keep_session: Option<i64>,
    ) -> Result<(), StoreError> {
        let row =
            self.db().fetch_one(query("select password_hash from app_user where user_id = $1").bind(user_id)).await?;
        if !verify_password(current.to_owned(), row.get("password_hash")?).await {
            return Err(StoreError::invalid("user.wrong_current_password", vec![], Some("current_password")));
        }
        if current == new {
            return Err(StoreError::invalid("user.same_password", vec![], Some("new_password")));
        }
        self.set_password(actor, user_id, new, false, keep_session).await
    }

    /// Sets a user's password (an admin's reset sets `must_change`, so the user picks their own
    /// at next login). Ends the user's sessions except `keep_session`.
    pub async fn set_password(
        &self,
        actor: &Actor,
        user_id: i64,
        new: &str,
        must_change: bool,
        keep_session: Option<i64>,
    ) -> Result<(), StoreError> {
        check_password_strength(new).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("new_password")))?;
        let hash = hash_password(new.to_owned()).await?;
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                query(
                    "update app_user set password_hash = $1, must_change_password = $2, failed_logins = 0, \
                     locked_until = null, updated_at = $3 where user_id = $4",
                )
                .bind(hash)
                .bind(must_change)
                .bind(now())
                .bind(user_id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            query("delete from session where user_id = $1 and session_id <> $2")
                .bind(user_id)
                .bind(keep_session.unwrap_or(-1)),
        )
        .await?;
        let after = serde_json::json!({ "must_change_password": must_change });
        tx.audit(actor, AuditEntry::new("user.password", "user", user_id).after(&after)).await?;
        tx.commit().await
    }

    /// Disables (or re-enables) a user; a disabled user's sessions and API tokens stop working.
    pub async fn set_user_disabled(&self, actor: &Actor, user_id: i64, disabled: bool) -> Result<User, StoreError> {
        let before = self.user_by_id(user_id).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("update app_user set disabled = $1, updated_at = $2 where user_id = $3")
                .bind(disabled)
                .bind(now())
                .bind(user_id),
        )
        .await?;
        if disabled {
            tx.execute(query("delete from session where user_id = $1").bind(user_id)).await?;
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        tx.audit(
            actor,
            AuditEntry::new(action, "user", user_id)
                .before(&serde_json::json!({ "disabled": before.disabled }))
                .after(&serde_json::json!({ "disabled": disabled })),
        )
        .await?;
        tx.commit().await?;
        self.user_by_id(user_id).await
    }

    /// Opens a session; returns the cookie token (only its hash is stored) and the CSRF token.
    pub async fn create_session(&self, user_id: i64) -> Result<(String, String), StoreError> {
        let token = random_token();
        let csrf = random_token();
        let t = now();
        self.db()
            .execute(
                query(
                    "insert into session (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
                     values ($1, $2, $3, $4, $5, $4)",
                )
                .bind(token_hash(&token))
                .bind(user_id)
                .bind(&csrf)
                .bind(t)
                .bind(t + SESSION_TTL),
            )
            .await?;
        Ok((token, csrf))
    }

    /// The live session for a cookie token, if any (expired sessions and disabled users: none).
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, StoreError> {
        let row = self
            .db()
            .fetch_optional(
                query(
                    "select s.session_id, s.user_id, s.csrf_token, s.expires_at from session s \
                     join app_user u on u.user_id = s.user_id where s.token_hash = $1 and u.disabled = $2",
                )
                .bind(token_hash(token))
                .bind(false),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: OffsetDateTime = row.get("expires_at")?;
        if expires <= now() {
            return Ok(None);
        }
        Ok(Some(SessionInfo {
            session_id: row.get("session_id")?,
            user: self.user_by_id(row.get("user_id")?).await?,
            csrf_token: row.get("csrf_token")?,
        }))
    }

    /// Ends a session (logout), audited.
    pub async fn end_session(&self, actor: &Actor, session_id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(query("delete from session where session_id = $1").bind(session_id)).await?;
        if let Some(uid) = actor.user_id {
            tx.audit(actor, AuditEntry::new("session.logout", "user", uid)).await?;
        }
        tx.commit().await
    }

    /// Creates a bearer API token for a machine client acting as `user_id`. The token is returned
    /// once; only its hash is kept.
    pub async fn create_api_token(&self, actor: &Actor, user_id: i64, name: &str) -> Result<String, StoreError> {
        let token = format!("gaodi_{}", random_token());
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query("insert into api_token (user_id, name, token_hash, created_at) values ($1, $2, $3, $4) returning api_token_id")
                    .bind(user_id)
                    .bind(name)
                    .bind(token_hash(&token))
                    .bind(now()),
            )
            .await?;
        let id: i64 = row.get("api_token_id")?;
        tx.audit(
            actor,
            AuditEntry::new("api_token.create", "api_token", id)
                .after(&serde_json::json!({ "user_id": user_id, "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user behind a bearer token, if it is live and the user is enabled.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        let row = self
            .db()
            .fetch_optional(
                query(
                    "select t.user_id from api_token t join app_user u on u.user_id = t.user_id \
                     where t.token_hash = $1 and t.revoked_at is null and u.disabled = $2",
                )
                .bind(token_hash(token))
                .bind(false),
            )
            .await?;
        match row {
            Some(r) => Ok(Some(self.user_by_id(r.get("user_id")?).await?)),
            None => Ok(None),
        }
    }

    /// Whether any admin exists (the first start creates one).
    pub async fn has_admin(&self) -> Result<bool, StoreError> {
        Ok(self
            .db()
            .fetch_optional(query("select user_id from app_user where role = $1").bind(Role::Admin.as_str()))
            .await?
            .is_some())
    }
}
