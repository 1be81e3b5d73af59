//! The scenarios over HTTP: rush, door, standby, ballot, mixed and the
//! attendance report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{SubsecRound, Utc};
use futures::StreamExt;
use rand::Rng;
use serde_json::{Value, json};

use crate::api::{Answer, Api, string};
use crate::measure::{self, Results};
use crate::target::Target;

pub const RESERVE: &str = "mutation Reserve($item: ID!, $quantity: Int!) { reserveTickets(input: { itemId: $item, quantity: $quantity }) { tickets { id code } } }";
const CHECK_IN: &str = "mutation CheckIn($code: String!, $venue: ID!) { checkIn(input: { code: $code, venueId: $venue }) { outcome ticket { id } } }";
const ITEM_STATE: &str = "query ItemState($id: ID!) { item(id: $id) { ticketCapacity ticketsLeft attendance { issued checkedIn venueCapacity } } }";

fn outcome(answer: &Answer) -> String {
    match answer {
        Ok(_) => "ok".to_owned(),
        Err(code) => code.clone(),
    }
}

fn at(minutes: i64) -> String {
    (Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

/// A festival with one venue; its id and the venue's id.
pub async fn festival(
    api: &Api,
    hall: u32,
    allow_overlap: bool,
) -> anyhow::Result<(String, String)> {
    let slug = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let festival = api
        .must(
            Some(&api.admin),
            "mutation Festival($slug: String!, $overlap: Boolean!) { createFestival(input: { slug: $slug, name: \"Bench Week\", city: \"Nanning\", timezone: \"Asia/Shanghai\", allowOverlappingTickets: $overlap }) { id } }",
            json!({ "slug": slug, "overlap": allow_overlap }),
        )
        .await?;
    let festival = string(&festival, "/createFestival/id")?;
    let venue = api
        .must(
            Some(&api.admin),
            "mutation Venue($festival: ID!, $hall: Int!) { createVenue(input: { festivalId: $festival, name: \"Hall\", address: \"Street\", capacity: $hall, gates: [\"A\", \"B\", \"C\", \"D\"] }) { id } }",
            json!({ "festival": festival, "hall": hall }),
        )
        .await?;
    Ok((festival, string(&venue, "/createVenue/id")?))
}

/// An item starting in `minutes` (doors open 30 minutes before).
pub async fn item(
    api: &Api,
    festival: &str,
    venue: &str,
    tickets: u32,
    limit: u32,
    minutes: i64,
) -> anyhow::Result<String> {
    let item = api
        .must(
            Some(&api.admin),
            "mutation Item($festival: ID!, $venue: ID!, $tickets: Int!, $limit: Int!, $starts: DateTime!, $ends: DateTime!) { createItem(input: { festivalId: $festival, venueId: $venue, kind: SCREENING, title: \"Bench screening\", startsAt: $starts, endsAt: $ends, ticketCapacity: $tickets, maxTicketsPerAttendee: $limit }) { id } }",
            json!({ "festival": festival, "venue": venue, "tickets": tickets, "limit": limit, "starts": at(minutes), "ends": at(minutes + 90) }),
        )
        .await?;
    string(&item, "/createItem/id")
}

/// Registers `count` attendees (before any clock starts) and returns their tokens.
async fn attendees(api: &Api, count: usize) -> anyhow::Result<Vec<String>> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let api_for_tasks = api.clone();
    let tokens = Arc::new(std::sync::Mutex::new(vec![String::new(); count]));
    let collected = tokens.clone();
    let (recorder, _) = measure::run("sign-ups", count, 64, move |index| {
        let api = api_for_tasks.clone();
        let tokens = collected.clone();
        let email = format!("fan{index}-{run}@bench.example");
        async move {
            let answer = api
                .gql(
                    None,
                    "mutation Register($email: String!) { register(input: { email: $email, password: \"a long enough password\", displayName: \"Fan\" }) { accessToken } }",
                    json!({ "email": email }),
                )
                .await;
            if let Ok(data) = &answer
                && let Ok(token) = string(data, "/register/accessToken")
                && let Ok(mut tokens) = tokens.lock()
            {
                tokens[index] = token;
            }
            outcome(&answer)
        }
    })
    .await;
    let tokens = tokens
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    anyhow::ensure!(
        tokens.iter().all(|token| !token.is_empty()),
        "sign-ups failed: {:?}",
        Results::new("", &recorder, Duration::ZERO, None).outcomes
    );
    Ok(tokens)
}

async fn item_state(api: &Api, item: &str) -> anyhow::Result<Value> {
    Ok(api
        .must(Some(&api.admin), ITEM_STATE, json!({ "id": item }))
        .await?["item"]
        .clone())
}

/// The counter rule: capacity minus tickets left equals the tickets held.
fn counter_matches_rows(state: &Value) -> bool {
    let capacity = state["ticketCapacity"].as_i64().unwrap_or(-1);
    let left = state["ticketsLeft"].as_i64().unwrap_or(-1);
    capacity - left == state["attendance"]["issued"].as_i64().unwrap_or(-2) && left >= 0
}

pub async fn rush(
    api: &Api,
    target: &Target,
    attendees_count: usize,
    tickets: u32,
    concurrency: usize,
) -> anyhow::Result<Vec<Results>> {
    let (festival, venue) = festival(api, tickets, false).await?;
    let item = item(api, &festival, &venue, tickets, 1, 120).await?;
    let tokens = Arc::new(attendees(api, attendees_count).await?);
    let task_api = api.clone();
    let task_item = item.clone();
    let (recorder, elapsed) = measure::run("rush", attendees_count, concurrency, move |index| {
        let api = task_api.clone();
        let tokens = tokens.clone();
        let item = task_item.clone();
        async move {
            outcome(
                &api.gql(
                    Some(&tokens[index]),
                    RESERVE,
                    json!({ "item": item, "quantity": 1 }),
                )
                .await,
            )
        }
    })
    .await;
    let mut results = Results::new("rush", &recorder, elapsed, target.memory_mib());
    let state = item_state(api, &item).await?;
    let sold = results.count("ok");
    results.check(
        format!("sold {sold} of {tickets}: never above the capacity"),
        sold <= u64::from(tickets),
    );
    results.check(
        "every ticket sold when demand exceeds supply",
        attendees_count < tickets as usize || sold == u64::from(tickets),
    );
    results.check(
        "the issued counter equals the tickets held",
        counter_matches_rows(&state),
    );
    results.check(
        "every refusal is SOLD_OUT",
        results
            .outcomes
            .keys()
            .all(|code| code == "ok" || code == "SOLD_OUT"),
    );
    api.print_metrics().await;
    Ok(vec![results])
}

/// Reserves `count` tickets at `item` (20 per attendee) and returns their codes.
async fn tickets(api: &Api, item: &str, count: u32) -> anyhow::Result<Vec<String>> {
    let holders = usize::try_from(count.div_ceil(20))?;
    let tokens = attendees(api, holders).await?;
    let mut codes = Vec::with_capacity(count as usize);
    for (index, token) in tokens.iter().enumerate() {
        let quantity = (count as usize - index * 20).min(20);
        let reserved = api
            .must(
                Some(token),
                RESERVE,
                json!({ "item": item, "quantity": quantity }),
            )
            .await?;
        for ticket in reserved["reserveTickets"]["tickets"]
            .as_array()
            .into_iter()
            .flatten()
        {
            codes.push(string(ticket, "/code")?);
        }
    }
    Ok(codes)
}

pub async fn door(
    api: &Api,
    target: &Target,
    count: u32,
    scanners: usize,
    repeats: f64,
) -> anyhow::Result<Vec<Results>> {
    let (festival, venue) = festival(api, count, false).await?;
    let item = item(api, &festival, &venue, count, 20, 10).await?;
    let codes = tickets(api, &item, count).await?;
    let repeat_count = (f64::from(count) * repeats) as usize;
    let mut rng = rand::rng();
    let mut queue: Vec<String> = codes.clone();
    queue.extend((0..repeat_count).map(|_| codes[rng.random_range(0..codes.len())].clone()));
    let queue = Arc::new(queue);
    let admitted = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (task_api, task_venue, task_admitted) = (api.clone(), venue.clone(), admitted.clone());
    let total = queue.len();
    let (recorder, elapsed) = measure::run("door", total, scanners, move |index| {
        let (api, venue, queue, admitted) = (
            task_api.clone(),
            task_venue.clone(),
            queue.clone(),
            task_admitted.clone(),
        );
        async move {
            match api
                .gql(
                    Some(&api.admin),
                    CHECK_IN,
                    json!({ "code": queue[index], "venue": venue }),
                )
                .await
            {
                Ok(data) => {
                    let scanned = data["checkIn"]["outcome"]
                        .as_str()
                        .unwrap_or("UNKNOWN")
                        .to_owned();
                    if scanned == "ADMITTED"
                        && let (Some(id), Ok(mut admitted)) =
                            (data["checkIn"]["ticket"]["id"].as_str(), admitted.lock())
                    {
                        admitted.push(id.to_owned());
                    }
                    scanned
                }
                Err(code) => code,
            }
        }
    })
    .await;
    let mut results = Results::new("door", &recorder, elapsed, target.memory_mib());
    let mut admitted = admitted
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let admissions = admitted.len();
    admitted.sort_unstable();
    admitted.dedup();
    let state = item_state(api, &item).await?;
    results.check(
        format!("{admissions} admissions, each ticket at most once"),
        admitted.len() == admissions,
    );
    results.check("every ticket admitted once", admissions == count as usize);
    results.check(
        "admitted never above the venue's capacity",
        state["attendance"]["checkedIn"].as_i64() <= state["attendance"]["venueCapacity"].as_i64(),
    );
    results.check(
        "repeats are ALREADY_CHECKED_IN",
        results.count("ALREADY_CHECKED_IN") == repeat_count as u64,
    );
    api.print_metrics().await;
    Ok(vec![results])
}

pub async fn mixed(
    api: &Api,
    target: &Target,
    seconds: u64,
    concurrency: usize,
) -> anyhow::Result<Vec<Results>> {
    let (festival, venue) = festival(api, 5_000, true).await?;
    let mut items = Vec::new();
    for n in 0..10 {
        items.push(item(api, &festival, &venue, 2_000, 20, 10 + n * 5).await?);
    }
    let codes = Arc::new(tickets(api, &items[0], 2_000).await?);
    let tokens = Arc::new(attendees(api, 500).await?);
    let items = Arc::new(items);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (task_api, task_festival, task_venue, task_items) =
        (api.clone(), festival.clone(), venue.clone(), items.clone());
    let (recorder, elapsed) = measure::run_until("mixed", deadline, concurrency, move |index| {
        let (api, festival, venue, items, codes, tokens) =
            (task_api.clone(), task_festival.clone(), task_venue.clone(), task_items.clone(), codes.clone(), tokens.clone());
        async move {
            let token = &tokens[index % tokens.len()];
            let item = &items[index % items.len()];
            let answer = match index % 10 {
                0..=3 => api.gql(None, "query Browse($id: ID!) { festival(id: $id) { programme(first: 20) { edges { node { title status ticketsLeft venue { name } } } } } }", json!({ "id": festival })).await,
                4 | 5 => api.gql(Some(token), RESERVE, json!({ "item": item, "quantity": 1 })).await,
                6 => match api.gql(Some(token), "query Mine { myTickets { id } }", json!({})).await {
                    Ok(mine) => match mine["myTickets"][0]["id"].as_str() {
                        Some(id) => api.gql(Some(token), "mutation Cancel($id: ID!) { cancelTicket(ticketId: $id) { id } }", json!({ "id": id })).await,
                        None => Ok(Value::Null),
                    },
                    Err(code) => Err(code),
                },
                7 | 8 => api.gql(Some(&api.admin), CHECK_IN, json!({ "code": codes[index % codes.len()], "venue": venue })).await,
                _ => api.gql(Some(&api.admin), "query Attendance($id: ID!) { festival(id: $id) { attendance(groupBy: ITEM) { key attendance { issued checkedIn } } } }", json!({ "id": festival })).await,
            };
            outcome(&answer)
        }
    })
    .await;
    let mut results = Results::new("mixed", &recorder, elapsed, target.memory_mib());
    for item in items.iter() {
        let state = item_state(api, item).await?;
        results.check(
            format!("item {item}: counter equals rows"),
            counter_matches_rows(&state),
        );
    }
    let unexpected: Vec<&String> = results
        .outcomes
        .keys()
        .filter(|code| {
            !["ok", "SOLD_OUT", "LIMIT_EXCEEDED", "RESERVATION_CLOSED"].contains(&code.as_str())
        })
        .collect();
    results.check(
        format!("no unexpected errors {unexpected:?}"),
        unexpected.is_empty(),
    );
    api.print_metrics().await;
    Ok(vec![results])
}

pub async fn report(
    api: &Api,
    target: &Target,
    tickets: u32,
    items_count: u32,
) -> anyhow::Result<Vec<Results>> {
    let (festival, venue) = festival(api, 1_000, true).await?;
    let per_item = tickets / items_count;
    let mut items = Vec::new();
    for n in 0..items_count {
        items.push(
            item(
                api,
                &festival,
                &venue,
                per_item.max(1),
                20,
                60 + i64::from(n),
            )
            .await?,
        );
    }
    let holders = attendees(api, usize::try_from(per_item.div_ceil(20))?).await?;
    let work: Vec<(String, String, u32)> = items
        .iter()
        .flat_map(|item| {
            holders.iter().enumerate().map(move |(index, token)| {
                let quantity = per_item
                    .saturating_sub(u32::try_from(index).unwrap_or(0) * 20)
                    .min(20);
                (item.clone(), token.clone(), quantity)
            })
        })
        .filter(|(_, _, quantity)| *quantity > 0)
        .collect();
    let work = Arc::new(work);
    let prep_api = api.clone();
    let (prepared, _) = measure::run("tickets", work.len(), 32, move |index| {
        let (api, work) = (prep_api.clone(), work.clone());
        async move {
            let (item, token, quantity) = &work[index];
            outcome(
                &api.gql(
                    Some(token),
                    RESERVE,
                    json!({ "item": item, "quantity": quantity }),
                )
                .await,
            )
        }
    })
    .await;
    let mut results = Vec::new();
    for grouping in ["ITEM", "COUNTRY"] {
        let task_api = api.clone();
        let task_festival = festival.clone();
        let (recorder, elapsed) = measure::run(grouping, 20, 1, move |_| {
            let (api, festival) = (task_api.clone(), task_festival.clone());
            async move {
                outcome(
                    &api.gql(Some(&api.admin), "query Report($id: ID!, $by: AttendanceGrouping!) { festival(id: $id) { attendance(groupBy: $by) { key attendance { issued checkedIn noShows checkInRate } } } }", json!({ "id": festival, "by": grouping }))
                        .await,
                )
            }
        })
        .await;
        let mut result = Results::new(
            &format!("report {grouping}"),
            &recorder,
            elapsed,
            target.memory_mib(),
        );
        let preparation = Results::new("", &prepared, Duration::ZERO, None);
        result.check(
            format!(
                "{tickets} tickets in {items_count} items prepared: {:?}",
                preparation.outcomes
            ),
            preparation.count("ok") as usize == prepared_requests(per_item, items_count),
        );
        result.check("every report answered", result.count("ok") == 20);
        results.push(result);
    }
    api.print_metrics().await;
    Ok(results)
}

fn prepared_requests(per_item: u32, items: u32) -> usize {
    (per_item.div_ceil(20) * items) as usize
}

/// A release and the standby line called at the door: an item of `count`
/// tickets in a hall as large, all but `places` of them scanned, `places`
/// walk-ups in its standby line, the release of the unscanned tickets
/// (timed straight on the store), then the line called one place at a time
/// at `gates` gates at once.
pub async fn standby(
    api: &Api,
    target: &Target,
    count: u32,
    places: u32,
    gates: usize,
) -> anyhow::Result<Vec<Results>> {
    anyhow::ensure!(places <= count, "--places must not exceed --tickets");
    let (festival, venue) = festival(api, count, false).await?;
    // Doors open (45 minutes before the start) and the release 30 minutes
    // from now: the server's own job leaves it alone, the bench releases it
    // as if it were then.
    let starts_at = Utc::now() + chrono::Duration::minutes(40);
    let item = api
        .must(
            Some(&api.admin),
            "mutation Item($festival: ID!, $venue: ID!, $tickets: Int!, $starts: DateTime!, $ends: DateTime!) { createItem(input: { festivalId: $festival, venueId: $venue, kind: SCREENING, title: \"Bench premiere\", startsAt: $starts, endsAt: $ends, ticketCapacity: $tickets, maxTicketsPerAttendee: 20, doorsOpenMinutes: 45, releaseUnscannedMinutes: 10 }) { id releaseAt } }",
            json!({ "festival": festival, "venue": venue, "tickets": count, "starts": starts_at.to_rfc3339(), "ends": (starts_at + chrono::Duration::minutes(90)).to_rfc3339() }),
        )
        .await?;
    let release_at =
        chrono::DateTime::parse_from_rfc3339(&string(&item, "/createItem/releaseAt")?)?;
    let item = string(&item, "/createItem/id")?;
    let codes = Arc::new(tickets(api, &item, count).await?);
    let scanned = (count - places) as usize;
    let (task_api, task_venue, task_codes) = (api.clone(), venue.clone(), codes.clone());
    let (door, door_elapsed) = measure::run("door before the release", scanned, 64, move |index| {
        let (api, venue, codes) = (task_api.clone(), task_venue.clone(), task_codes.clone());
        async move {
            let answer = api
                .gql(
                    Some(&api.admin),
                    CHECK_IN,
                    json!({ "code": codes[index], "venue": venue }),
                )
                .await;
            match answer {
                Ok(data) => data["checkIn"]["outcome"]
                    .as_str()
                    .unwrap_or("UNKNOWN")
                    .to_owned(),
                Err(code) => code,
            }
        }
    })
    .await;
    let door = Results::new("door before the release", &door, door_elapsed, None);

    let task_api = api.clone();
    let task_item = item.clone();
    let (joins, joins_elapsed) = measure::run("walk-ups", places as usize, 16, move |index| {
        let (api, item) = (task_api.clone(), task_item.clone());
        async move {
            outcome(
                &api.gql(
                    Some(&api.admin),
                    "mutation WalkUp($item: ID!, $name: String!) { addStandbyWalkUp(input: { itemId: $item, name: $name, quantity: 1 }) { number } }",
                    json!({ "item": item, "name": format!("Walk-up {index}") }),
                )
                .await,
            )
        }
    })
    .await;
    let joins = Results::new(
        "standby walk-ups",
        &joins,
        joins_elapsed,
        target.memory_mib(),
    );

    let store = usher_persistence::Store::connect(
        &target.database_url,
        &usher_persistence::StoreOptions::default(),
    )
    .await?;
    let started = Instant::now();
    let releases = store
        .release_due_tickets(release_at.to_utc() + chrono::Duration::seconds(1))
        .await?;
    let took = started.elapsed();
    let mut release = measure::Recorder::new();
    release.record(took, "ok".to_owned());
    let mut release = Results::new("release", &release, took, None);
    let released: u64 = releases.iter().map(|release| release.tickets).sum();
    release.check(
        format!("{released} unscanned tickets released in one transaction"),
        releases.len() == 1 && released == u64::from(places),
    );
    store.close().await?;

    let called = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (task_api, task_item, task_called) = (api.clone(), item.clone(), called.clone());
    let (calls, calls_elapsed) = measure::run("standby calls", places as usize, gates, move |index| {
        let (api, item, called) = (task_api.clone(), task_item.clone(), task_called.clone());
        let gate = ["A", "B", "C", "D"][index % 4];
        async move {
            match api
                .gql(
                    Some(&api.admin),
                    "mutation Call($item: ID!, $gate: String!) { callStandby(input: { itemId: $item, count: 1, gate: $gate }) { id } }",
                    json!({ "item": item, "gate": gate }),
                )
                .await
            {
                Ok(data) => {
                    let ids: Vec<String> = data["callStandby"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|place| place["id"].as_str().map(str::to_owned))
                        .collect();
                    let answer = if ids.is_empty() { "none" } else { "called" };
                    if let Ok(mut called) = called.lock() {
                        called.extend(ids);
                    }
                    answer.to_owned()
                }
                Err(code) => code,
            }
        }
    })
    .await;
    let mut calls = Results::new("standby calls", &calls, calls_elapsed, target.memory_mib());
    let mut called = called
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let answers = called.len();
    called.sort_unstable();
    called.dedup();
    let state = api
        .must(
            Some(&api.admin),
            "query Standby($id: ID!) { item(id: $id) { standbyPlaces attendance { checkedIn released standbyAdmitted standbyWaiting venueCapacity } } }",
            json!({ "id": item }),
        )
        .await?;
    let attendance = &state["item"]["attendance"];
    let number = |field: &str| attendance[field].as_i64().unwrap_or(-1);
    calls.check(
        format!("{answers} places called, each once"),
        called.len() == answers && answers == places as usize,
    );
    calls.check(
        "inside never above the venue's capacity",
        number("checkedIn") + number("standbyAdmitted") <= number("venueCapacity"),
    );
    calls.check(
        "the line called through and the hall full",
        number("standbyAdmitted") == i64::from(places)
            && number("standbyWaiting") == 0
            && state["item"]["standbyPlaces"].as_i64() == Some(0),
    );
    calls.check(
        "the released tickets are counted as released",
        number("released") == i64::from(places),
    );
    api.print_metrics().await;
    Ok(vec![door, joins, release, calls])
}

const ENTER: &str = "mutation Enter($item: ID!, $quantity: Int!) { enterBallot(input: { itemId: $item, quantity: $quantity }) { id } }";

/// An item of `tickets` places, starting in two days, whose ballot opened
/// a minute ago and closes at `closes_at`.
async fn ballot_item(
    api: &Api,
    festival: &str,
    venue: &str,
    tickets: u32,
    closes_at: chrono::DateTime<Utc>,
) -> anyhow::Result<String> {
    let item = api
        .must(
            Some(&api.admin),
            "mutation Item($festival: ID!, $venue: ID!, $tickets: Int!, $starts: DateTime!, $ends: DateTime!, $opens: DateTime!, $closes: DateTime!) { createItem(input: { festivalId: $festival, venueId: $venue, kind: SCREENING, title: \"Bench premiere\", startsAt: $starts, endsAt: $ends, ticketCapacity: $tickets, maxTicketsPerAttendee: 2, allocation: BALLOT, ballotOpensAt: $opens, ballotClosesAt: $closes, claimMinutes: 30 }) { id } }",
            json!({ "festival": festival, "venue": venue, "tickets": tickets, "starts": at(2 * 24 * 60), "ends": at(2 * 24 * 60 + 90), "opens": at(-1), "closes": closes_at.to_rfc3339() }),
        )
        .await?;
    string(&item, "/createItem/id")
}

/// The places won at `item`'s draw and the places left, as published.
async fn ballot_outcome(api: &Api, item: &str) -> anyhow::Result<(i64, i64, i64)> {
    let state = api
        .must(
            Some(&api.admin),
            "query Ballot($id: ID!) { item(id: $id) { ticketsLeft attendance { ballotEntries } } ballotResult(itemId: $id) { entries { quantity won } } }",
            json!({ "id": item }),
        )
        .await?;
    let won: i64 = state["ballotResult"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["won"] == true)
        .map(|entry| entry["quantity"].as_i64().unwrap_or(0))
        .sum();
    Ok((
        state["item"]["attendance"]["ballotEntries"]
            .as_i64()
            .unwrap_or(-1),
        won,
        state["item"]["ticketsLeft"].as_i64().unwrap_or(-1),
    ))
}

/// Draws `item`'s ballot through the store as if at `closes_at`, timed.
async fn timed_draw(
    store: &usher_persistence::Store,
    item: &str,
    closes_at: chrono::DateTime<Utc>,
    label: &str,
) -> anyhow::Result<Results> {
    let started = Instant::now();
    let drawn = store.draw_due_ballots(closes_at).await?;
    let took = started.elapsed();
    let mut recorder = measure::Recorder::new();
    recorder.record(took, "ok".to_owned());
    let mut results = Results::new(label, &recorder, took, None);
    results.check(
        "drawn once, in one transaction",
        drawn.len() == 1 && drawn[0].to_string() == item,
    );
    Ok(results)
}

/// N attendees enter one item's ballot of C places (1 or 2 tickets each),
/// K at a time; the draw at its close, timed on the store; then a ballot
/// of D entries made straight through the store, drawn and timed.
pub async fn ballot(
    api: &Api,
    target: &Target,
    attendees_count: usize,
    tickets: u32,
    concurrency: usize,
    draw_entries: usize,
) -> anyhow::Result<Vec<Results>> {
    let (festival, venue) = festival(api, tickets, false).await?;
    let closes_at = (Utc::now() + chrono::Duration::hours(1)).trunc_subsecs(0);
    let item = ballot_item(api, &festival, &venue, tickets, closes_at).await?;
    let tokens = Arc::new(attendees(api, attendees_count).await?);
    let (task_api, task_item) = (api.clone(), item.clone());
    let (recorder, elapsed) = measure::run(
        "ballot entries",
        attendees_count,
        concurrency,
        move |index| {
            let (api, tokens, item) = (task_api.clone(), tokens.clone(), task_item.clone());
            async move {
                outcome(
                    &api.gql(
                        Some(&tokens[index]),
                        ENTER,
                        json!({ "item": item, "quantity": 1 + index % 2 }),
                    )
                    .await,
                )
            }
        },
    )
    .await;
    let mut entries = Results::new("ballot entries", &recorder, elapsed, target.memory_mib());
    let entered = entries.count("ok");
    entries.check(
        format!("{entered} of {attendees_count} attendees entered, each once"),
        entered == attendees_count as u64,
    );

    let store = usher_persistence::Store::connect(
        &target.database_url,
        &usher_persistence::StoreOptions::default(),
    )
    .await?;
    let mut draw = timed_draw(&store, &item, closes_at, "ballot draw").await?;
    let (counted, won, left) = ballot_outcome(api, &item).await?;
    draw.check(
        format!("{counted} entries counted"),
        counted == attendees_count as i64,
    );
    draw.check(
        format!("{won} places won of {tickets}: all of them, never more"),
        won == i64::from(tickets)
            || (attendees_count < tickets as usize && won <= i64::from(tickets)),
    );
    draw.check(
        "the places won are held: the item has the rest left",
        left == i64::from(tickets) - won,
    );

    let big_item = ballot_item(
        api,
        &festival,
        &venue,
        u32::try_from(draw_entries / 10)?.max(1),
        closes_at,
    )
    .await?;
    let big_item_id: usher_domain::ids::ItemId = big_item.parse()?;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let store_ref = &store;
    let made: Vec<anyhow::Result<()>> = futures::stream::iter(0..draw_entries)
        .map(|index| {
            let email = format!("entrant{index}-{run}@bench.example");
            async move {
                let user = store_ref
                    .create_user(
                        usher_persistence::NewUser {
                            email: usher_domain::input::Email::parse("email", &email)?,
                            password_hash: "never signs in".to_owned(),
                            display_name: usher_domain::input::Name::parse("name", "Fan")?,
                        },
                        &[],
                    )
                    .await?;
                store_ref
                    .enter_ballot(usher_persistence::NewBallotEntry {
                        item_id: big_item_id,
                        entrant_id: user.id,
                        quantity: usher_domain::tickets::Quantity::parse(
                            "quantity",
                            1 + (index % 2) as i64,
                        )?,
                        partner_id: None,
                        now: usher_domain::time::now(),
                    })
                    .await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    let failed = made.iter().filter(|made| made.is_err()).count();
    let mut big_draw = timed_draw(
        &store,
        &big_item,
        closes_at,
        &format!("draw of {draw_entries} entries"),
    )
    .await?;
    big_draw.check(
        format!("{failed} of {draw_entries} entries failed to be made"),
        failed == 0,
    );
    big_draw.check("under 2 seconds", big_draw.seconds < 2.0);

    // Nobody claims: at the deadline both ballots' places roll down to the
    // entries that lost, whose accounts the roll-down locks first.
    let started = Instant::now();
    let moved = store
        .expire_due_claims(closes_at + chrono::Duration::minutes(31))
        .await?;
    let took = started.elapsed();
    let mut recorder = measure::Recorder::new();
    recorder.record(took, "ok".to_owned());
    let mut roll_down = Results::new("claim deadline, both ballots", &recorder, took, None);
    roll_down.check(
        "both ballots' places rolled down, once",
        moved.len() == 2 && moved.iter().any(|moved| moved.to_string() == big_item),
    );
    let (_, _, left) = ballot_outcome(api, &big_item).await?;
    roll_down.check(
        format!("{left} places left of the big ballot after the roll-down: at most one"),
        (0..=1).contains(&left),
    );
    store.close().await?;
    api.print_metrics().await;
    Ok(vec![entries, draw, big_draw, roll_down])
}
