//! The command line of `usher`: serve the API, migrate the database, print
//! the schema, and add users. Every flag can also be set by an environment
//! variable. Only `serve` and `migrate` create or migrate a database; the
//! other commands refuse one that is missing or not migrated, since they
//! are easily run in the wrong directory, where they would make an empty
//! `usher.db` and report success.

use std::net::SocketAddr;

use crate::listen::ConnectionLimits;
use crate::settings::{DEFAULT_BIND, DEFAULT_DATABASE_URL, Settings};
use crate::telemetry::LogFormat;
use crate::{Application, shutdown_signal};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use usher_api::auth::{AuthSettings, hash_new_password};
use usher_api::codes::generate_signing_key;
use usher_api::pairing::Origin;
use usher_api::throttle::ThrottleSettings;
use usher_domain::ids::VenueId;
use usher_domain::input::{Email, Name, Password};
use usher_domain::roles::{Role, RoleGrant};
use usher_persistence::{
    NewUser, NotReady, SecretKey, Store, StoreOptions, Synchronous, redact_password,
};

#[derive(Parser)]
#[command(
    name = "usher",
    version,
    about = "Free, QR-coded festival tickets and door check-in"
)]
pub struct Cli {
    /// Log lines as text or JSON.
    #[arg(
        long,
        env = "USHER_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the keys that sign ticket codes.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `usher keys …`
#[derive(Subcommand)]
pub enum KeysCommand {
    /// List the keys that verify ticket codes; the first one signs.
    List(DatabaseArgs),
    /// Add a new key that signs from now on; older keys keep verifying.
    Rotate(DatabaseArgs),
    /// Retire a key: codes it signed stop verifying (tickets show new codes).
    Retire {
        /// The key id, as `usher keys list` shows it.
        kid: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Args)]
pub struct DatabaseArgs {
    /// sqlite://FILE or postgres://USER[:PASSWORD]@HOST[:PORT]/DB. `serve` and
    /// `migrate` create a missing SQLite file and migrate; other commands
    /// need a database that they have made.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    database_url: SecretString,
    /// Database connections per instance (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "USHER_DATABASE_POOL_SIZE")]
    database_pool_size: Option<u32>,
    /// SQLite durability: normal survives a killed process, full a power cut too.
    #[arg(
        long,
        env = "USHER_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value = "normal"
    )]
    sqlite_synchronous: SqliteSynchronous,
    /// A file holding the 32-byte key (64 hex digits or base64) that seals the
    /// secrets kept in the database; make one with `openssl rand -hex 32`.
    #[arg(long, env = "USHER_SECRET_KEY_FILE")]
    secret_key_file: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SqliteSynchronous {
    Normal,
    Full,
}

impl DatabaseArgs {
    fn store_options(&self) -> anyhow::Result<StoreOptions> {
        let secret_key = self
            .secret_key_file
            .as_ref()
            .map(|path| {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read the secret key file {}", path.display())
                })?;
                SecretKey::parse(&text)
                    .with_context(|| format!("no key in the secret key file {}", path.display()))
            })
            .transpose()?;
        Ok(StoreOptions {
            pool_size: self.database_pool_size,
            synchronous: match self.sqlite_synchronous {
                SqliteSynchronous::Normal => Synchronous::Normal,
                SqliteSynchronous::Full => Synchronous::Full,
            },
            secret_key,
        })
    }

    /// The store over a database that exists and is migrated; the error
    /// names the database (password hidden) and says how to make it.
    async fn connect(&self) -> anyhow::Result<Store> {
        let url = self.database_url.expose_secret();
        match Store::connect_existing(url, &self.store_options()?).await {
            Ok(store) => Ok(store),
            Err(NotReady::Store(error)) => Err(error.into()),
            Err(not_ready) => Err(anyhow::anyhow!(
                "{not_ready}; run `usher migrate --database-url {}` (or `usher serve`) first, \
                 or give --database-url (DATABASE_URL) the database the server uses",
                redact_password(url)
            )),
        }
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "USHER_BIND", default_value = DEFAULT_BIND)]
    bind: SocketAddr,
    /// Load the demo festival into an empty database and print how to sign in.
    #[arg(long, env = "USHER_DEMO")]
    demo: bool,
    /// Argon2id memory per password hash, in KiB (19456, OWASP's advice, by
    /// default). Lower it only for load tests, where thousands sign up at once.
    #[arg(long, env = "USHER_PASSWORD_HASH_KIB", default_value_t = AuthSettings::default().argon2_memory_kib)]
    password_hash_kib: u32,
    /// Sign-ins let through per account per minute (on each instance).
    #[arg(long, env = "USHER_SIGN_INS_PER_ACCOUNT_PER_MINUTE", default_value_t = ThrottleSettings::default().sign_ins_per_account_per_minute)]
    sign_ins_per_account_per_minute: u32,
    /// Sign-ins and refreshes let through per client address per minute.
    #[arg(long, env = "USHER_SIGN_INS_PER_ADDRESS_PER_MINUTE", default_value_t = ThrottleSettings::default().sign_ins_per_address_per_minute)]
    sign_ins_per_address_per_minute: u32,
    /// New accounts let through per client address per hour.
    #[arg(long, env = "USHER_REGISTRATIONS_PER_ADDRESS_PER_HOUR", default_value_t = ThrottleSettings::default().registrations_per_address_per_hour)]
    registrations_per_address_per_hour: u32,
    /// Connections served at once; more wait until one closes. A connection
    /// that sends no request head within 10 s is closed.
    #[arg(long, env = "USHER_MAX_CONNECTIONS", default_value_t = ConnectionLimits::default().max_connections)]
    max_connections: usize,
    /// An Ed25519 private key (PKCS#8 PEM) that signs ticket codes instead of
    /// the keys kept in the database.
    #[arg(long, env = "USHER_TICKET_KEY_FILE")]
    ticket_key_file: Option<std::path::PathBuf>,
    /// The scheme, host and port people reach this server at, e.g.
    /// https://tickets.example.org behind a proxy: the origin of the URLs
    /// that pair door phones (default: http:// and each request's Host).
    #[arg(long, env = "USHER_PUBLIC_URL", value_parser = Origin::parse_public_url)]
    public_url: Option<Origin>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account, optionally with a role, in a database that `serve` or
    /// `migrate` made (works while a server runs).
    Add(UserAddArgs),
}

/// `usher user add`: an account in a database that `usher serve` or `usher
/// migrate` has made.
#[derive(Args)]
#[command(
    after_help = "The password is best given in USHER_USER_PASSWORD: a --password on the command \
                  line is seen by every user of the machine (ps) and kept in shell history."
)]
pub struct UserAddArgs {
    /// The email to sign in with (unique, whatever its case).
    #[arg(long)]
    email: String,
    /// At least 10 characters; or set USHER_USER_PASSWORD instead.
    #[arg(long, env = "USHER_USER_PASSWORD", hide_env_values = true)]
    password: SecretString,
    /// The name shown on tickets.
    #[arg(long)]
    name: String,
    /// ADMIN, ORGANIZER or DOOR_STAFF (any case, `-` for `_`); without it
    /// the account is only an ATTENDEE, as every account is.
    #[arg(long, value_parser = parse_role)]
    role: Option<Role>,
    /// The festival's slug: required for ORGANIZER and DOOR_STAFF.
    #[arg(long)]
    festival: Option<String>,
    /// A venue id, to narrow DOOR_STAFF to one venue of the festival.
    #[arg(long)]
    venue: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::from_stored(&raw.replace('-', "_"))
        .ok_or_else(|| format!("'{raw}' is not one of ADMIN, ORGANIZER, DOOR_STAFF, ATTENDEE"))
}

/// Runs one command to completion.
pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            Store::migrate(args.database_url.expose_secret(), &args.store_options()?).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Schema => {
            print!("{}", usher_api::sdl());
            Ok(())
        }
        Command::User(UserCommand::Add(args)) => add_user(args).await,
        Command::Keys(command) => keys(command).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ticket_key_pem = args
        .ticket_key_file
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the ticket key {}", path.display()))
        })
        .transpose()?;
    let settings = Settings {
        ticket_key_pem,
        bind: args.bind,
        database_url: args.database.database_url.expose_secret().to_owned(),
        store: args.database.store_options()?,
        auth: AuthSettings {
            argon2_memory_kib: args.password_hash_kib,
            throttles: ThrottleSettings {
                sign_ins_per_account_per_minute: args.sign_ins_per_account_per_minute,
                sign_ins_per_address_per_minute: args.sign_ins_per_address_per_minute,
                registrations_per_address_per_hour: args.registrations_per_address_per_hour,
            },
            ..AuthSettings::default()
        },
        demo: args.demo,
        public_url: args.public_url,
        connections: ConnectionLimits {
            max_connections: args.max_connections,
            ..ConnectionLimits::default()
        },
    };
    let application = Application::build(&settings).await?;
    let address = application.local_addr()?;
    if let Some(accounts) = application.demo_accounts() {
        println!("{accounts}");
    }
    let where_to = format!(
        "Usher is serving GraphQL at http://{address}/graphql (GraphiQL in a browser)\n\
         The apps: http://{address}/ (attendees), http://{address}/door (door staff), \
         http://{address}/organizer (organizers)\n"
    );
    // Whoever reads the address (a supervisor, a test) may close the pipe
    // right after the first line: the server goes on serving.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), where_to.as_bytes());
    tracing::info!(%address, "listening");
    application.run_until(shutdown_signal()).await
}

async fn add_user(args: UserAddArgs) -> anyhow::Result<()> {
    let email = Email::parse("email", &args.email)?;
    let password = Password::parse("password", args.password.expose_secret())?;
    let display_name = Name::parse("name", &args.name)?;
    let store = args.database.connect().await?;
    let festival = match &args.festival {
        Some(slug) => Some(
            store
                .festival_by_slug(slug)
                .await?
                .with_context(|| format!("no festival with slug '{slug}'"))?
                .id,
        ),
        None => None,
    };
    let venue = args
        .venue
        .as_deref()
        .map(|id| {
            id.parse::<VenueId>()
                .with_context(|| format!("'{id}' is not a venue id"))
        })
        .transpose()?;
    let grants = match args.role {
        None | Some(Role::Attendee) => Vec::new(),
        Some(role) => vec![RoleGrant::new(role, festival, venue)?],
    };
    let password_hash =
        tokio::task::spawn_blocking(move || hash_new_password(&AuthSettings::default(), &password))
            .await??;
    let user = store
        .create_user(
            NewUser {
                email,
                password_hash,
                display_name,
            },
            &grants,
        )
        .await?;
    println!("created {} ({})", user.email, user.id);
    store.close().await?;
    Ok(())
}

async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::List(database) => {
            let store = database.connect().await?;
            for key in store.signing_keys().await? {
                println!("{}  created {}", key.kid, key.created_at.to_rfc3339());
            }
            store.close().await?;
        }
        KeysCommand::Rotate(database) => {
            let store = database.connect().await?;
            let key = generate_signing_key();
            let kid = key.kid.clone();
            store.add_signing_key(key).await?;
            println!(
                "key {kid} signs ticket codes from now on; running servers pick it up within a minute"
            );
            store.close().await?;
        }
        KeysCommand::Retire { kid, database } => {
            let store = database.connect().await?;
            store.retire_signing_key(&kid).await?;
            println!("key {kid} is retired: codes it signed no longer verify");
            store.close().await?;
        }
    }
    Ok(())
}
