//! The demo festival: a week modelled on the China-ASEAN Film Culture Week
//! in Nanning, dated from the moment it is loaded so that the opening
//! screening's doors are already open.

use chrono::{Duration, DurationRound, NaiveTime, TimeZone};
use chrono_tz::Tz;
use usher_api::Services;
use usher_domain::catalogue::{
    DEFAULT_LATE_ENTRY, Festival, ProgrammeKind, Schedule, ScheduleParts,
};
use usher_domain::ids::{FilmId, VenueId};
use usher_domain::input::{
    Address, Capacity, CountryCode, InvalidInput, Label, Minutes, Name, Password, Slug,
    TicketLimit, Timezone,
};
use usher_domain::roles::{Role, RoleGrant};
use usher_domain::time::{self, Timestamp};
use usher_persistence::{NewFestival, NewFilm, NewItem, NewUser, NewVenue, StoreError};

/// The demo festival's slug.
pub const SLUG: &str = "china-asean-film-week";
/// The password of every demo account.
pub const PASSWORD: &str = "usher-demo-2026";

/// The accounts a new user signs in with.
#[derive(Debug, Clone)]
pub struct DemoAccounts {
    /// The festival's id.
    pub festival_id: String,
    /// Emails by role: admin, organizer, door staff, attendee.
    pub admin: String,
    /// Organizer of the demo festival.
    pub organizer: String,
    /// Door staff at every venue of the demo festival.
    pub door_staff: String,
    /// An attendee.
    pub attendee: String,
    /// Whether this start loaded the festival (false: it was there already).
    pub loaded_now: bool,
}

impl std::fmt::Display for DemoAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.loaded_now {
            "loaded"
        } else {
            "already present"
        };
        writeln!(f, "Demo festival {SLUG} ({}) {state}.", self.festival_id)?;
        writeln!(
            f,
            "Sign in with the login mutation, password \"{PASSWORD}\" for each:"
        )?;
        writeln!(f, "  admin       {}", self.admin)?;
        writeln!(f, "  organizer   {}", self.organizer)?;
        writeln!(f, "  door staff  {}", self.door_staff)?;
        write!(f, "  attendee    {}", self.attendee)
    }
}

const HOSTS: [&str; 5] = [
    "Film Bureau of the Guangxi Zhuang Autonomous Region",
    "Department of Culture and Tourism of the Guangxi Zhuang Autonomous Region",
    "Foreign Affairs Office of the Guangxi Zhuang Autonomous Region",
    "China-ASEAN Expo Secretariat",
    "Guangxi Cultural Industry Group",
];

struct DemoVenue {
    name: &'static str,
    address: &'static str,
    capacity: i64,
    gates: &'static [&'static str],
}

const VENUES: [DemoVenue; 4] = [
    DemoVenue {
        name: "Guangxi Film Museum Cinema",
        address: "Wuxiang Avenue, Qingxiu District, Nanning",
        capacity: 320,
        gates: &["North", "South"],
    },
    DemoVenue {
        name: "Nanning Grand Theatre",
        address: "Wuxiang Avenue 1, Qingxiu District, Nanning",
        capacity: 1200,
        gates: &["A", "B", "C", "D"],
    },
    DemoVenue {
        name: "Wanda Cinema Qingxiu, Hall 5",
        address: "Dongge Road 118, Qingxiu District, Nanning",
        capacity: 180,
        gates: &["Main"],
    },
    DemoVenue {
        name: "China-ASEAN Expo Center, Forum Hall",
        address: "Minzu Avenue 11, Qingxiu District, Nanning",
        capacity: 400,
        gates: &["East", "West"],
    },
];

struct DemoFilm {
    title: &'static str,
    original_title: Option<&'static str>,
    countries: &'static [&'static str],
    languages: &'static [&'static str],
    runtime: u32,
    director: &'static str,
}

const FILMS: [DemoFilm; 12] = [
    DemoFilm {
        title: "Dying to Survive",
        original_title: Some("我不是药神"),
        countries: &["CN"],
        languages: &["Mandarin"],
        runtime: 117,
        director: "Wen Muye",
    },
    DemoFilm {
        title: "How to Make Millions Before Grandma Dies",
        original_title: Some("หลานม่า"),
        countries: &["TH"],
        languages: &["Thai", "Teochew"],
        runtime: 127,
        director: "Pat Boonnitipat",
    },
    DemoFilm {
        title: "Rom",
        original_title: Some("Ròm"),
        countries: &["VN"],
        languages: &["Vietnamese"],
        runtime: 79,
        director: "Trần Thanh Huy",
    },
    DemoFilm {
        title: "Yuni",
        original_title: None,
        countries: &["ID", "SG", "FR"],
        languages: &["Indonesian", "Javanese"],
        runtime: 95,
        director: "Kamila Andini",
    },
    DemoFilm {
        title: "Ma' Rosa",
        original_title: None,
        countries: &["PH"],
        languages: &["Filipino"],
        runtime: 110,
        director: "Brillante Mendoza",
    },
    DemoFilm {
        title: "Tiger Stripes",
        original_title: None,
        countries: &["MY", "TW", "SG"],
        languages: &["Malay"],
        runtime: 95,
        director: "Amanda Nell Eu",
    },
    DemoFilm {
        title: "Ilo Ilo",
        original_title: Some("爸妈不在家"),
        countries: &["SG"],
        languages: &["English", "Mandarin", "Tagalog"],
        runtime: 99,
        director: "Anthony Chen",
    },
    DemoFilm {
        title: "Diamond Island",
        original_title: None,
        countries: &["KH", "FR"],
        languages: &["Khmer"],
        runtime: 103,
        director: "Davy Chou",
    },
    DemoFilm {
        title: "Dearest Sister",
        original_title: Some("ນ້ອງຮັກ"),
        countries: &["LA", "FR", "EE"],
        languages: &["Lao", "Estonian"],
        runtime: 100,
        director: "Mattie Do",
    },
    DemoFilm {
        title: "Ne Zha",
        original_title: Some("哪吒之魔童降世"),
        countries: &["CN"],
        languages: &["Mandarin"],
        runtime: 110,
        director: "Jiaozi",
    },
    DemoFilm {
        title: "Hi, Mom",
        original_title: Some("你好，李焕英"),
        countries: &["CN"],
        languages: &["Mandarin"],
        runtime: 128,
        director: "Jia Ling",
    },
    DemoFilm {
        title: "The Story of Southern Islet",
        original_title: None,
        countries: &["MY"],
        languages: &["Malay", "Kedah Malay"],
        runtime: 103,
        director: "Chong Keat Aun",
    },
];

/// A screening: film index, venue index, days after today (local), local start.
const SCREENINGS: [(usize, usize, i64, (u32, u32)); 14] = [
    (1, 2, 1, (10, 0)),
    (2, 0, 1, (14, 30)),
    (3, 2, 1, (19, 30)),
    (4, 0, 2, (10, 0)),
    (5, 2, 2, (14, 30)),
    (6, 0, 2, (19, 30)),
    (7, 2, 3, (10, 0)),
    (8, 0, 3, (14, 30)),
    (9, 1, 3, (19, 30)),
    (10, 0, 4, (14, 30)),
    (11, 2, 4, (19, 30)),
    (0, 2, 5, (10, 0)),
    (2, 0, 5, (14, 30)),
    (10, 1, 6, (19, 30)),
];

fn fail(error: InvalidInput) -> anyhow::Error {
    anyhow::anyhow!("demo data breaks a rule: {error}")
}

fn labels(values: &[&str], field: &str) -> anyhow::Result<Vec<Label>> {
    values
        .iter()
        .map(|value| Label::parse(field, value).map_err(fail))
        .collect()
}

fn local(tz: Tz, days_ahead: i64, (hour, minute): (u32, u32)) -> anyhow::Result<Timestamp> {
    let date =
        tz.from_utc_datetime(&time::now().naive_utc()).date_naive() + Duration::days(days_ahead);
    let naive = date.and_time(
        NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| anyhow::anyhow!("bad demo time"))?,
    );
    let moment = tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| anyhow::anyhow!("demo time does not exist locally"))?;
    Ok(time::truncate(moment.with_timezone(&chrono::Utc)))
}

struct ItemPlan {
    venue: VenueId,
    film: Option<FilmId>,
    kind: ProgrammeKind,
    title: Option<&'static str>,
    starts_at: Timestamp,
    minutes: i64,
    ticket_capacity: Option<i64>,
    doors_open: Minutes,
}

async fn create_item(
    services: &Services,
    festival: &Festival,
    plan: ItemPlan,
) -> anyhow::Result<()> {
    let now = time::now();
    let schedule = Schedule::new(ScheduleParts {
        starts_at: plan.starts_at,
        ends_at: plan.starts_at + Duration::minutes(plan.minutes),
        reservation_opens_at: now - Duration::hours(1),
        reservation_closes_at: plan.starts_at,
        doors_open: plan.doors_open,
        late_entry: DEFAULT_LATE_ENTRY,
        release_unscanned: None,
        ballot: None,
    })
    .map_err(fail)?;
    services
        .store
        .create_item(NewItem {
            festival_id: festival.id,
            venue_id: plan.venue,
            film_id: plan.film,
            kind: plan.kind,
            title: plan
                .title
                .map(|title| Name::parse("title", title))
                .transpose()
                .map_err(fail)?,
            schedule,
            ticket_capacity: plan
                .ticket_capacity
                .map(|capacity| Capacity::parse("ticketCapacity", capacity))
                .transpose()
                .map_err(fail)?,
            max_tickets_per_attendee: TicketLimit::DEFAULT,
            requires_settled_account: false,
            standby_opens: usher_domain::catalogue::DEFAULT_STANDBY_OPENS,
        })
        .await?;
    Ok(())
}

/// Loads the demo festival into an empty database and makes sure its
/// accounts exist. None when the database holds other festivals: the demo
/// never mixes with real data.
pub async fn load(services: &Services) -> anyhow::Result<Option<DemoAccounts>> {
    let store = &services.store;
    let (festival, loaded_now) = match store.festival_by_slug(SLUG).await? {
        Some(festival) => (festival, false),
        None if store.festivals().await?.is_empty() => (create_festival(services).await?, true),
        None => return Ok(None),
    };
    let accounts = DemoAccounts {
        festival_id: festival.id.to_string(),
        admin: "admin@usher.example".into(),
        organizer: "organizer@usher.example".into(),
        door_staff: "door@usher.example".into(),
        attendee: "attendee@usher.example".into(),
        loaded_now,
    };
    let people = [
        (
            &accounts.admin,
            "Demo Admin",
            RoleGrant::new(Role::Admin, None, None),
        ),
        (
            &accounts.organizer,
            "Demo Organizer",
            RoleGrant::new(Role::Organizer, Some(festival.id), None),
        ),
        (
            &accounts.door_staff,
            "Demo Door Staff",
            RoleGrant::new(Role::DoorStaff, Some(festival.id), None),
        ),
    ];
    for (email, name, grant) in people {
        ensure_user(services, email, name, Some(grant.map_err(fail)?)).await?;
    }
    ensure_user(services, &accounts.attendee, "Demo Attendee", None).await?;
    Ok(Some(accounts))
}

async fn ensure_user(
    services: &Services,
    email: &str,
    name: &str,
    grant: Option<RoleGrant>,
) -> anyhow::Result<()> {
    let password = Password::parse("password", PASSWORD).map_err(fail)?;
    let password_hash = services
        .auth
        .hash_password(password)
        .await
        .map_err(|error| anyhow::anyhow!("cannot hash the demo password: {error:?}"))?;
    let new = NewUser {
        email: usher_domain::input::Email::parse("email", email).map_err(fail)?,
        password_hash,
        display_name: Name::parse("displayName", name).map_err(fail)?,
    };
    match services.store.create_user(new, grant.as_slice()).await {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

async fn create_festival(services: &Services) -> anyhow::Result<Festival> {
    let store = &services.store;
    let festival = store
        .create_festival(NewFestival {
            slug: Slug::parse("slug", SLUG).map_err(fail)?,
            name: Name::parse("name", "China-ASEAN Film Culture Week 2026").map_err(fail)?,
            city: Name::parse("city", "Nanning").map_err(fail)?,
            timezone: Timezone::parse("timezone", "Asia/Shanghai").map_err(fail)?,
            hosts: labels(&HOSTS, "hosts")?,
            allow_overlapping_tickets: false,
            min_account_age: None,
            no_shows: usher_domain::tickets::no_shows::NoShowPolicy::default(),
        })
        .await?;
    let tz = festival.timezone.tz();

    let mut venues = Vec::with_capacity(VENUES.len());
    for venue in &VENUES {
        let created = store
            .create_venue(NewVenue {
                festival_id: festival.id,
                name: Name::parse("name", venue.name).map_err(fail)?,
                address: Address::parse("address", venue.address).map_err(fail)?,
                capacity: Capacity::parse("capacity", venue.capacity).map_err(fail)?,
                gates: labels(venue.gates, "gates")?,
            })
            .await?;
        venues.push(created.id);
    }

    let mut films = Vec::with_capacity(FILMS.len());
    for film in &FILMS {
        let created = store
            .create_film(NewFilm {
                festival_id: festival.id,
                title: Name::parse("title", film.title).map_err(fail)?,
                original_title: film
                    .original_title
                    .map(|title| Name::parse("originalTitle", title))
                    .transpose()
                    .map_err(fail)?,
                countries: film
                    .countries
                    .iter()
                    .map(|code| CountryCode::parse("countries", code))
                    .collect::<Result<_, _>>()
                    .map_err(fail)?,
                languages: labels(film.languages, "languages")?,
                runtime_minutes: Some(film.runtime),
                director: Some(Name::parse("director", film.director).map_err(fail)?),
            })
            .await?;
        films.push((created.id, i64::from(film.runtime)));
    }

    // The opening screening starts within the hour, and its doors are open now.
    let opening_start = (time::now() + Duration::minutes(20))
        .duration_trunc(Duration::minutes(1))
        .map_err(|error| anyhow::anyhow!("cannot round the opening time: {error}"))?;
    create_item(
        services,
        &festival,
        ItemPlan {
            venue: venues[1],
            film: Some(films[0].0),
            kind: ProgrammeKind::Screening,
            title: Some("Opening Night: Dying to Survive"),
            starts_at: opening_start,
            minutes: films[0].1 + 20,
            ticket_capacity: Some(1300),
            doors_open: Minutes::of(45),
        },
    )
    .await?;

    for &(film, venue, days, at) in &SCREENINGS {
        create_item(
            services,
            &festival,
            ItemPlan {
                venue: venues[venue],
                film: Some(films[film].0),
                kind: ProgrammeKind::Screening,
                title: None,
                starts_at: local(tz, days, at)?,
                minutes: films[film].1 + 15,
                // The small hall overbooks a little: festivals see many no-shows.
                ticket_capacity: (venue == 2).then_some(200),
                doors_open: Minutes::of(30),
            },
        )
        .await?;
    }

    create_item(
        services,
        &festival,
        ItemPlan {
            venue: venues[3],
            film: None,
            kind: ProgrammeKind::Forum,
            title: Some("China-ASEAN Film Co-creation Forum"),
            starts_at: local(tz, 2, (9, 30))?,
            minutes: 180,
            ticket_capacity: None,
            doors_open: Minutes::of(30),
        },
    )
    .await?;
    create_item(
        services,
        &festival,
        ItemPlan {
            venue: venues[1],
            film: None,
            kind: ProgrammeKind::Concert,
            title: Some("Film Music Concert: Songs of the Silver Screen"),
            starts_at: local(tz, 4, (19, 30))?,
            minutes: 120,
            ticket_capacity: None,
            doors_open: Minutes::of(45),
        },
    )
    .await?;
    Ok(festival)
}
