//! One configuration struct, layered: defaults, then an optional TOML file, then `GAODI_*`
//! environment variables, then command-line flags (each later layer wins).

use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

/// gaodi's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`. Env `GAODI_DATABASE_URL`.
    pub database_url: String,
    /// Address to listen on. Env `GAODI_BIND`.
    pub bind: String,
    /// Public URLs the UI is reached at (for the Origin check behind a proxy), comma-separated
    /// in the environment. Env `GAODI_PUBLIC_URL`.
    pub public_urls: Vec<String>,
    /// Mark cookies Secure (set when served over HTTPS). Env `GAODI_SECURE_COOKIES`.
    pub secure_cookies: bool,
    /// Log filter, e.g. `info` or `gaodi_web=debug`. Env `GAODI_LOG`.
    pub log: String,
    /// Largest request body in bytes. Env `GAODI_BODY_LIMIT`.
    pub body_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://./gaodi.db".to_owned(),
            bind: "127.0.0.1:8080".to_owned(),
            public_urls: Vec::new(),
            secure_cookies: false,
            log: "info".to_owned(),
            body_limit: 2 * 1024 * 1024,
        }
    }
}

/// The same fields, all optional: one layer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub public_urls: Option<Vec<String>>,
    pub secure_cookies: Option<bool>,
    pub log: Option<String>,
    pub body_limit: Option<usize>,
}

impl Config {
    fn apply(&mut self, l: Layer) {
        if let Some(v) = l.database_url {
            self.database_url = v;
        }
        if let Some(v) = l.bind {
            self.bind = v;
        }
        if let Some(v) = l.public_urls {
            self.public_urls = v;
        }
        if let Some(v) = l.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = l.log {
            self.log = v;
        }
        if let Some(v) = l.body_limit {
            self.body_limit = v;
        }
    }

    /// Builds the configuration from the layers. `env` is passed in (not read here) so tests
    /// can give their own.
    pub fn load(file: Option<&Path>, env: &[(String, String)], flags: Layer) -> anyhow::Result<Config> {
        let mut c = Config::default();
        if let Some(path) = file {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
            let layer: Layer = toml::from_str(&text).with_context(|| format!("bad config file {}", path.display()))?;
            c.apply(layer);
        }
        c.apply(env_layer(env)?);
        c.apply(flags);
        if c.database_url.trim().is_empty() {
            bail!("the database URL is empty: set --database or GAODI_DATABASE_URL (sqlite://PATH or postgres://…)");
        }
        Ok(c)
    }
}

fn env_layer(env: &[(String, String)]) -> anyhow::Result<Layer> {
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let secure_cookies = match get("GAODI_SECURE_COOKIES").as_deref() {
        None => None,
        Some("1" | "true" | "yes") => Some(true),
        Some("0" | "false" | "no") => Some(false),
        Some(v) => bail!("GAODI_SECURE_COOKIES={v:?}: use true or false"),
    };
    let body_limit = match get("GAODI_BODY_LIMIT") {
        None => None,
        Some(v) => Some(v.parse().with_context(|| format!("GAODI_BODY_LIMIT={v:?}: use a number of bytes"))?),
    };
    Ok(Layer {
        database_url: get("GAODI_DATABASE_URL"),
        bind: get("GAODI_BIND"),
        public_urls: get("GAODI_PUBLIC_URL").map(|v| {
            v.split(',').map(|s| s.trim().trim_end_matches('/').to_owned()).filter(|s| !s.is_empty()).collect()
        }),
        secure_cookies,
        log: get("GAODI_LOG"),
        body_limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_use_sqlite_in_the_working_directory() {
        let c = Config::load(None, &[], Layer::default()).unwrap();
        assert_eq!(c.database_url, "sqlite://./gaodi.db");
        assert_eq!(c.bind, "127.0.0.1:8080");
    }

    #[test]
    fn layers_override_in_order_file_env_flags() {
        let dir = std::env::temp_dir().join(format!("gaodi-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gaodi.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:1\"\nlog = \"debug\"\ndatabase_url = \"sqlite://file.db\"\n").unwrap();
        let e = env(&[("GAODI_BIND", "0.0.0.0:2"), ("GAODI_DATABASE_URL", "sqlite://env.db")]);
        let flags = Layer { database_url: Some("sqlite://flag.db".into()), ..Layer::default() };
        let c = Config::load(Some(&file), &e, flags).unwrap();
        assert_eq!(c.log, "debug", "from the file");
        assert_eq!(c.bind, "0.0.0.0:2", "env beats the file");
        assert_eq!(c.database_url, "sqlite://flag.db", "flags beat env");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::load(None, &env(&[("GAODI_SECURE_COOKIES", "maybe")]), Layer::default()).unwrap_err();
        assert!(e.to_string().contains("GAODI_SECURE_COOKIES"));
        let dir = std::env::temp_dir().join(format!("gaodi-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gaodi.toml");
        std::fs::write(&file, "colour = \"blue\"\n").unwrap();
        let e = Config::load(Some(&file), &[], Layer::default()).unwrap_err();
        assert!(format!("{e:#}").contains("colour"), "{e:#}");
    }
}
