// The attendees' app: the programme with live availability, an account,
// reservations, and "my tickets" with their QR codes, kept on the phone so
// that they open at the door without a network; when nothing is left to
// reserve, a numbered place in the standby line, followed live; ballots
// (entering, a partner confirming, claiming a win, checking the draw); and
// the attendee's no-show strikes, with the block they may bring.
import { Api, Credentials, NetworkError } from '/common/api.js';
import { LANGUAGES, Translator, chooseLanguage, preferredLanguage } from '/common/i18n.js';
import { createStore, get, set } from '/vendor/idb-keyval.js';

const ITEM_FIELDS = `id title kind status startsAt endsAt ticketsLeft ticketCapacity waitlistLength
  maxTicketsPerAttendee reservationOpensAt standbyOpensAt lateEntryUntil
  allocation ballotOpensAt ballotClosesAt ballotDrawnAt claimMinutes
  venue { id name address gates } film { title countries runtimeMinutes director }`;
const FESTIVALS = 'query { festivals { id slug name timezone } }';
const PROGRAMME = `query Programme($id: ID!, $after: String) {
  festival(id: $id) { programme(first: 200, after: $after) {
    edges { node { ${ITEM_FIELDS} } } pageInfo { hasNextPage endCursor } } }
}`;
const AVAILABILITY = `subscription Availability($itemId: ID!) {
  availabilityChanged(itemId: $itemId) { id status ticketsLeft waitlistLength }
}`;
const ME = 'query { me { id displayName email } }';
const TICKET_FIELDS = `id code holderName status checkedInAt fromStandby qrSvg
  item { id title status startsAt endsAt standbyOpensAt lateEntryUntil releaseAt venue { name address gates } festival { id timezone } }`;
const STANDBY_FIELDS = `id number quantity admittedAt peopleAhead
  item { id title startsAt lateEntryUntil venue { name } festival { timezone } }`;
const MY_STANDBY = `query { myStandby { ${STANDBY_FIELDS} } }`;
const STANDING_FIELDS = `blockedUntil
  noShows { id kind at forgivenAt item { id title startsAt venue { name } festival { id timezone } } }`;
const BALLOT_FIELDS = `id status quantity places hasPartner isPartner entrantName partnerName partnerConfirmedAt claimUntil createdAt
  item { id title startsAt endsAt ballotClosesAt ballotDrawnAt venue { name } festival { id timezone } }`;
const MY_BALLOT = `query { myBallotEntries { ${BALLOT_FIELDS} } }`;
// Released tickets come with the cancelled ones: they are shown, without a code.
const MY_TICKETS = `query { myTickets(includeCancelled: true) { ${TICKET_FIELDS} } myWaitlist { id position quantity item { id title startsAt festival { timezone } } }
  myStandby { ${STANDBY_FIELDS} } myBallotEntries { ${BALLOT_FIELDS} } me { ${STANDING_FIELDS} } }`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }';
const REGISTER = 'mutation Register($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }';
const LOGOUT = 'mutation Logout($refreshToken: String!) { logout(refreshToken: $refreshToken) }';
const CHANGE_PASSWORD = 'mutation Change($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }';
const RESERVE = 'mutation Reserve($input: ReserveTicketsInput!) { reserveTickets(input: $input) { id tickets { id } } }';
const CANCEL = 'mutation Cancel($id: ID!) { cancelTicket(ticketId: $id) { id status } }';
const JOIN_WAITLIST = 'mutation Join($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id position } }';
const LEAVE_WAITLIST = 'mutation Leave($id: ID!) { leaveWaitlist(entryId: $id) }';
const JOIN_STANDBY = `mutation JoinStandby($input: JoinStandbyInput!) { joinStandby(input: $input) { ${STANDBY_FIELDS} } }`;
const LEAVE_STANDBY = 'mutation LeaveStandby($id: ID!) { leaveStandby(placeId: $id) }';
const ENTER_BALLOT = `mutation EnterBallot($input: EnterBallotInput!) { enterBallot(input: $input) { ${BALLOT_FIELDS} } }`;
const WITHDRAW_BALLOT = 'mutation Withdraw($id: ID!) { withdrawBallotEntry(entryId: $id) { id status } }';
const CONFIRM_PARTNER = 'mutation ConfirmPartner($id: ID!) { confirmBallotPartner(entryId: $id) { id status partnerConfirmedAt } }';
const CLAIM_WIN = 'mutation Claim($id: ID!) { claimBallotWin(entryId: $id) { id } }';
const BALLOT_RESULT = 'query Draw($id: ID!) { ballotResult(itemId: $id) { commitment secret entriesDigest seed places drawnAt } }';

const saved = createStore('usher-festival', 'saved');
const $ = (id) => document.getElementById(id);
const root = document.documentElement;

const state = {
  translator: null,
  credentials: new Credentials('usher.credentials'),
  api: null,
  festival: null,
  items: [],
  day: null,
  me: null,
  tickets: [],
  waitlist: [],
  /// The attendee's places in standby lines, waiting or let in.
  standby: [],
  subscriptions: new Map(),
  /// availabilityChanged for the items of the places still waiting: the
  /// line moved, so the places are read again.
  standbyWatches: new Map(),
  standbyReading: null,
  /// The attendee's strikes (newest first) and when their block ends.
  standing: { blockedUntil: null, noShows: [] },
  /// The attendee's ballot entries, made or as a partner, newest first.
  ballot: [],
  reserving: null,
  joining: null,
  entering: null,
};

const t = (id, args) => state.translator.t(id, args);

// --- Times in the festival's zone -------------------------------------------

function zoned(date, options) {
  return new Intl.DateTimeFormat(state.translator.tag, { timeZone: state.festival.timezone, ...options }).format(
    new Date(date),
  );
}
const dayKey = (date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: state.festival.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(date),
  );
const clock = (date) => zoned(date, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const longDay = (date) => zoned(date, { weekday: 'short', month: 'short', day: 'numeric' });

/// `date` as a day and a time in `zone` (the browser's own when unknown).
function moment(date, zone) {
  const at = (options) => new Intl.DateTimeFormat(state.translator.tag, { timeZone: zone, ...options }).format(new Date(date));
  return `${at({ weekday: 'short', month: 'short', day: 'numeric' })} ${at({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`;
}

// --- Messages ------------------------------------------------------------------

function notice(text, kind = 'info') {
  const element = $('notice');
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = !text;
}

/// Whether a ticket still stands for a place: neither cancelled nor released.
const isHeld = (ticket) => ticket.status === 'ACTIVE' || ticket.status === 'CHECKED_IN';

/// The API's refusal as a sentence in the page's language.
function refusal(error, item) {
  if (error instanceof NetworkError) return t('festival-error-network');
  const code = error.code ?? 'UNKNOWN';
  if (code === 'LIMIT_EXCEEDED' && item) {
    const held = state.tickets.filter((ticket) => ticket.item.id === item.id && isHeld(ticket)).length;
    return t('festival-error-limit', { left: Math.max(0, item.maxTicketsPerAttendee - held), limit: item.maxTicketsPerAttendee });
  }
  if (code === 'OVERLAPPING_TICKET' && item) {
    const overlaps = (other) =>
      other.item.id !== item.id &&
      new Date(other.item.startsAt) < new Date(item.endsAt) &&
      new Date(item.startsAt) < new Date(other.item.endsAt);
    const when = (other) => `${longDay(other.item.startsAt)} ${clock(other.item.startsAt)}`;
    const ticket = state.tickets.find((ticket) => isHeld(ticket) && overlaps(ticket));
    if (ticket) return t('festival-error-overlap', { title: ticket.item.title, time: when(ticket) });
    const entry = state.ballot.find((entry) => ['open', 'won'].includes(ballotState(entry)) && overlaps(entry));
    if (entry) return t('festival-error-overlap-entry', { title: entry.item.title, time: when(entry) });
  }
  // `until` is the contract's name, `blockedUntil` the one servers said first.
  const until = error.extensions?.until ?? error.extensions?.blockedUntil;
  if (code === 'NO_SHOW_BLOCKED' && until) {
    const zone = item?.festival?.timezone ?? state.festival?.timezone;
    return t('festival-error-no-show-blocked', { until: moment(until, zone) });
  }
  const id = `festival-error-${code.toLowerCase().replaceAll('_', '-')}`;
  const sentence = t(id);
  return sentence === id ? error.message : sentence;
}

// --- The festival and its programme ------------------------------------------------

async function chooseFestival() {
  const { festivals } = await state.api.request(FESTIVALS);
  const wanted = localStorage.getItem('usher.festival');
  const festival = festivals.find((candidate) => candidate.slug === wanted) ?? (festivals.length === 1 ? festivals[0] : null);
  if (festival) return openFestival(festival);
  $('festival-list').replaceChildren(
    ...festivals.map((candidate) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = candidate.name;
      button.addEventListener('click', () => openFestival(candidate));
      return button;
    }),
  );
  show('festivals');
}

async function openFestival(festival) {
  state.festival = festival;
  localStorage.setItem('usher.festival', festival.slug);
  $('festival-name').textContent = festival.name;
  document.title = festival.name;
  state.items = [];
  let after = null;
  do {
    const { festival: page } = await state.api.request(PROGRAMME, { id: festival.id, after });
    state.items.push(...page.programme.edges.map((edge) => edge.node));
    after = page.programme.pageInfo.hasNextPage ? page.programme.pageInfo.endCursor : null;
  } while (after);
  await set('programme', { festival, items: state.items }, saved);
  const today = dayKey(new Date());
  const days = [...new Set(state.items.map((item) => dayKey(item.startsAt)))];
  state.day = days.includes(today) ? today : days.find((day) => day > today) ?? days[0] ?? null;
  renderFilters();
  route();
}

function renderFilters() {
  const venues = [...new Map(state.items.map((item) => [item.venue.id, item.venue])).values()];
  const venue = $('filter-venue');
  const chosenVenue = venue.value;
  venue.replaceChildren(new Option(t('festival-all-venues'), ''), ...venues.map((each) => new Option(each.name, each.id)));
  venue.value = venues.some((each) => each.id === chosenVenue) ? chosenVenue : '';
  const kind = $('filter-kind');
  const chosenKind = kind.value;
  kind.replaceChildren(
    new Option(t('festival-all-kinds'), ''),
    ...['SCREENING', 'FORUM', 'CONCERT', 'OTHER'].map((each) => new Option(t(`festival-kind-${each.toLowerCase()}`), each)),
  );
  kind.value = chosenKind;
}

function renderProgramme() {
  if (!state.festival) return;
  const days = [...new Set(state.items.map((item) => dayKey(item.startsAt)))];
  $('days').replaceChildren(
    ...days.map((day) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('role', 'tab');
      button.setAttribute('aria-selected', String(day === state.day));
      button.dataset.day = day;
      const first = state.items.find((item) => dayKey(item.startsAt) === day);
      button.textContent = longDay(first.startsAt);
      button.addEventListener('click', () => {
        state.day = day;
        renderProgramme();
      });
      return button;
    }),
  );
  const venue = $('filter-venue').value;
  const kind = $('filter-kind').value;
  const shown = state.items.filter(
    (item) => dayKey(item.startsAt) === state.day && (!venue || item.venue.id === venue) && (!kind || item.kind === kind),
  );
  $('items').replaceChildren(...shown.map(itemCard));
  watchAvailability(shown);
}

function itemCard(item) {
  const card = document.createElement('li');
  card.className = 'item';
  card.dataset.itemId = item.id;
  const line = (className, text) => {
    const element = document.createElement('p');
    element.className = className;
    element.textContent = text;
    card.append(element);
    return element;
  };
  const time = line('time', `${clock(item.startsAt)}–${clock(item.endsAt)} `);
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = t(`festival-kind-${item.kind.toLowerCase()}`);
  time.append(kind);
  line('title', item.title);
  line('where', item.venue.name);
  if (item.film) {
    const countries = item.film.countries.map((code) => countryName(code)).join(', ');
    const details = [item.film.director, countries, item.film.runtimeMinutes && t('festival-minutes', { minutes: item.film.runtimeMinutes })];
    line('film', details.filter(Boolean).join(' · '));
  }
  line('availability', '');
  line('standby-mine', '');
  line('ballot-mine', '');
  const actions = document.createElement('div');
  actions.className = 'actions';
  const reserve = document.createElement('button');
  reserve.type = 'button';
  reserve.className = 'primary reserve';
  reserve.addEventListener('click', () => openReservation(item));
  const ballot = document.createElement('button');
  ballot.type = 'button';
  ballot.className = 'primary ballot';
  ballot.textContent = t('festival-ballot-enter');
  ballot.addEventListener('click', () => openBallot(item));
  const standby = document.createElement('button');
  standby.type = 'button';
  standby.className = 'primary standby';
  standby.textContent = t('festival-standby-join');
  standby.addEventListener('click', () => openStandby(item));
  const calendar = document.createElement('a');
  calendar.className = 'button';
  calendar.href = `/items/${item.id}/calendar.ics`;
  calendar.textContent = t('festival-add-to-calendar');
  actions.append(reserve, ballot, standby, calendar);
  card.append(actions);
  renderAvailability(card, item);
  return card;
}

function countryName(code) {
  try {
    return new Intl.DisplayNames([state.translator.tag], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

function renderAvailability(card, item) {
  card.dataset.status = item.status;
  card.dataset.ticketsLeft = String(item.ticketsLeft);
  card.dataset.allocation = item.allocation ?? 'FIRST_COME';
  const at = (date) => `${longDay(date)} ${clock(date)}`;
  // A ballot to come opens for entries, not for reservations.
  const ballotAhead = item.allocation === 'BALLOT' && !item.ballotDrawnAt && item.ballotOpensAt;
  const text = {
    OPEN: () => t('festival-left', { left: item.ticketsLeft }),
    SOLD_OUT: () => t('festival-sold-out', { waiting: item.waitlistLength }),
    NOT_YET_OPEN: () =>
      ballotAhead
        ? t('festival-ballot-opens', { when: at(item.ballotOpensAt) })
        : t('festival-not-yet-open', { when: at(item.reservationOpensAt) }),
    CLOSED: () => t('festival-closed'),
    CANCELLED: () => t('festival-cancelled'),
    BALLOT: () =>
      ballotTakesEntries(item) ? t('festival-ballot-open-until', { when: at(item.ballotClosesAt) }) : t('festival-ballot-drawing'),
  }[item.status];
  card.querySelector('.availability').textContent = text ? text() : item.status;
  const reserve = card.querySelector('.reserve');
  reserve.hidden = !['OPEN', 'SOLD_OUT'].includes(item.status);
  reserve.textContent = t(item.status === 'SOLD_OUT' ? 'festival-join-waitlist' : 'festival-reserve');
  // The standby line is the way in once nothing is left to reserve.
  reserve.classList.toggle('primary', !standbyOpen(item));
  const mine = state.standby.find((place) => place.item.id === item.id);
  card.querySelector('.standby').hidden = !standbyOpen(item) || Boolean(mine);
  const said = card.querySelector('.standby-mine');
  said.hidden = !mine;
  said.textContent = mine ? `${t('festival-standby-number', { number: mine.number })} · ${placeSentence(mine)}` : '';
  // One entry per attendee and item: a withdrawn one may be made again.
  const entry = state.ballot.find((candidate) => candidate.item.id === item.id && candidate.status !== 'WITHDRAWN');
  card.querySelector('.ballot').hidden = !ballotTakesEntries(item) || Boolean(entry);
  const entered = card.querySelector('.ballot-mine');
  entered.hidden = !entry;
  entered.dataset.ballotStatus = entry?.status ?? '';
  entered.textContent = entry ? t('festival-ballot-mine', { status: t(`festival-ballot-status-${ballotState(entry)}`) }) : '';
}

/// Whether `item`'s ballot takes entries at `now`: it is open and its close
/// has not come.
function ballotTakesEntries(item, now = new Date()) {
  return item.status === 'BALLOT' && Boolean(item.ballotClosesAt) && now < new Date(item.ballotClosesAt);
}

/// Whether `item`'s standby line takes places now: nothing can be reserved
/// (sold out, or reservations closed, as they are after the release) and
/// the line is open, from standbyOpensAt until late entry closes.
function standbyOpen(item, now = new Date()) {
  if (!['SOLD_OUT', 'CLOSED'].includes(item.status) || !item.standbyOpensAt) return false;
  return new Date(item.standbyOpensAt) <= now && now <= new Date(item.lateEntryUntil);
}

/// Re-draws the cards on screen, whose standby lines open and close with time.
function renderCards() {
  for (const card of document.querySelectorAll('#items .item')) {
    const item = state.items.find((candidate) => candidate.id === card.dataset.itemId);
    if (item) renderAvailability(card, item);
  }
}

/// One availabilityChanged subscription per item on screen.
function watchAvailability(items) {
  const wanted = new Set(items.map((item) => item.id));
  for (const [id, stop] of state.subscriptions) {
    if (!wanted.has(id)) {
      stop();
      state.subscriptions.delete(id);
    }
  }
  for (const item of items) {
    if (state.subscriptions.has(item.id)) continue;
    const stop = state.api.subscribe(AVAILABILITY, { itemId: item.id }, ({ availabilityChanged }) => {
      Object.assign(item, availabilityChanged);
      const card = document.querySelector(`.item[data-item-id="${item.id}"]`);
      if (card) renderAvailability(card, item);
    });
    state.subscriptions.set(item.id, stop);
  }
}

// --- Reserving ------------------------------------------------------------------

function openReservation(item) {
  if (!state.credentials.present) {
    notice(t('festival-sign-in-first'));
    location.hash = '#account';
    return;
  }
  state.reserving = { item, key: crypto.randomUUID() };
  $('reserve-title').textContent = item.title;
  $('reserve-when').textContent = `${longDay(item.startsAt)} ${clock(item.startsAt)} · ${item.venue.name}`;
  const most = Math.max(1, Math.min(item.maxTicketsPerAttendee, item.status === 'OPEN' ? item.ticketsLeft : item.maxTicketsPerAttendee));
  const quantity = $('reserve-quantity');
  quantity.replaceChildren(...Array.from({ length: most }, (_, index) => new Option(String(index + 1), String(index + 1))));
  quantity.value = '1';
  $('reserve-problem').hidden = true;
  const soldOut = item.status === 'SOLD_OUT';
  $('reserve-waitlist').hidden = !soldOut;
  $('reserve-submit').hidden = soldOut;
  renderHolderNames();
  $('reserve').showModal();
}

function renderHolderNames() {
  const count = Number($('reserve-quantity').value);
  const names = $('holder-names');
  const kept = [...names.querySelectorAll('input')].map((input) => input.value);
  names.replaceChildren(
    ...Array.from({ length: count }, (_, index) => {
      const label = document.createElement('label');
      const caption = document.createElement('span');
      caption.textContent = t('festival-holder', { number: index + 1 });
      const input = document.createElement('input');
      input.name = 'holder';
      input.required = true;
      input.value = kept[index] ?? (index === 0 ? state.me?.displayName ?? '' : '');
      label.append(caption, input);
      return label;
    }),
  );
}

async function reserve(event) {
  event.preventDefault();
  const { item, key } = state.reserving;
  const holderNames = [...$('holder-names').querySelectorAll('input')].map((input) => input.value.trim());
  try {
    await state.api.request(RESERVE, {
      input: { itemId: item.id, quantity: holderNames.length, holderNames, idempotencyKey: key },
    });
    $('reserve').close();
    notice(t('festival-reserved', { count: holderNames.length, title: item.title }));
    location.hash = '#tickets';
    await loadTickets();
  } catch (error) {
    if (error.code === 'SOLD_OUT') {
      $('reserve-waitlist').hidden = false;
    }
    await loadTickets().catch(() => {});
    problem(refusal(error, item));
  }
}

function problem(text) {
  $('reserve-problem').textContent = text;
  $('reserve-problem').hidden = false;
}

async function joinWaitlist() {
  const { item } = state.reserving;
  try {
    const { joinWaitlist: entry } = await state.api.request(JOIN_WAITLIST, {
      input: { itemId: item.id, quantity: Number($('reserve-quantity').value) },
    });
    $('reserve').close();
    notice(t('festival-waitlisted', { title: item.title, position: entry.position }));
    await loadTickets();
  } catch (error) {
    problem(refusal(error, item));
  }
}

// --- The standby line ----------------------------------------------------------------

function openStandby(item) {
  if (!state.credentials.present) {
    notice(t('festival-sign-in-first'));
    location.hash = '#account';
    return;
  }
  state.joining = item;
  const zone = item.festival?.timezone ?? state.festival.timezone;
  const at = (options) => new Intl.DateTimeFormat(state.translator.tag, { timeZone: zone, ...options }).format(new Date(item.startsAt));
  $('standby-title').textContent = item.title;
  $('standby-when').textContent = `${at({ weekday: 'short', month: 'short', day: 'numeric' })} ${at({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} · ${item.venue.name}`;
  $('standby-quantity').replaceChildren(
    ...[1, 2].map((people) => new Option(t('festival-standby-people', { people }), String(people))),
  );
  $('standby-problem').hidden = true;
  $('standby-join').showModal();
}

async function joinStandby(event) {
  event.preventDefault();
  const item = state.joining;
  const submit = $('standby-submit');
  if (submit.disabled) return;
  submit.disabled = true;
  try {
    const { joinStandby: place } = await state.api.request(JOIN_STANDBY, {
      input: { itemId: item.id, quantity: Number($('standby-quantity').value) },
    });
    $('standby-join').close();
    notice(t('festival-standby-joined', { title: item.title, number: place.number }));
    location.hash = '#tickets';
    await loadTickets();
  } catch (error) {
    $('standby-problem').textContent =
      error.code === 'ALREADY_EXISTS' ? t('festival-standby-already') : refusal(error, item);
    $('standby-problem').hidden = false;
    await loadTickets().catch(() => {});
  } finally {
    submit.disabled = false;
  }
}

async function leaveStandby(place) {
  if (!confirm(t('festival-standby-leave-confirm', { number: place.number, title: place.item.title }))) return;
  try {
    await state.api.request(LEAVE_STANDBY, { id: place.id });
    await loadTickets();
  } catch (error) {
    notice(refusal(error), 'problem');
  }
}

/// Where a place stands, in a sentence.
function placeSentence(place) {
  if (place.admittedAt) return t('festival-standby-in');
  if (new Date(place.item.lateEntryUntil) < new Date()) return t('festival-standby-ended');
  return t('festival-standby-ahead', { ahead: place.peopleAhead ?? 0 });
}

/// Follows the lines the attendee still waits in: any change to such an
/// item's availability (someone joined, left or was called) reads the
/// places again.
function watchStandby() {
  const now = new Date();
  const wanted = new Set(
    state.standby
      .filter((place) => !place.admittedAt && new Date(place.item.lateEntryUntil) >= now)
      .map((place) => place.item.id),
  );
  for (const [itemId, stop] of state.standbyWatches) {
    if (!wanted.has(itemId)) {
      stop();
      state.standbyWatches.delete(itemId);
    }
  }
  for (const itemId of wanted) {
    if (state.standbyWatches.has(itemId)) continue;
    state.standbyWatches.set(itemId, state.api.subscribe(AVAILABILITY, { itemId }, () => readStandby()));
  }
}

/// Reads the places again; a read asked for while one is under way follows it.
async function readStandby() {
  if (state.standbyReading) {
    state.standbyReading.again = true;
    return;
  }
  const reading = { again: false };
  state.standbyReading = reading;
  try {
    do {
      reading.again = false;
      const { myStandby } = await state.api.request(MY_STANDBY);
      if (!state.credentials.present) return;
      showStandby(myStandby);
      const kept = await get('tickets', saved);
      if (kept) await set('tickets', { ...kept, standby: myStandby }, saved);
    } while (reading.again);
  } catch {
    // The line's next change, or the next visit to My tickets, reads them again.
  } finally {
    state.standbyReading = null;
  }
}

/// Shows `places`, saying so when one of them was just called in.
function showStandby(places) {
  let called = false;
  for (const place of places) {
    const before = state.standby.find((known) => known.id === place.id);
    if (place.admittedAt && before && !before.admittedAt) {
      notice(t('festival-standby-called', { number: place.number, title: place.item.title }));
      called = true;
    }
  }
  state.standby = places;
  renderStandby();
  renderCards();
  watchStandby();
  // A called attendee's place became their tickets, checked in: show them.
  if (called) loadTickets().catch(() => {});
}

/// The places still waiting first, then by the items' start.
function renderStandby() {
  const places = [...state.standby].sort(
    (a, b) => Boolean(a.admittedAt) - Boolean(b.admittedAt) || new Date(a.item.startsAt) - new Date(b.item.startsAt),
  );
  $('standby-places').hidden = places.length === 0;
  $('standby-list').replaceChildren(...places.map(placeCard));
}

function placeCard(place) {
  const card = document.createElement('li');
  card.className = 'card place';
  card.dataset.placeId = place.id;
  card.dataset.itemId = place.item.id;
  card.dataset.standbyNumber = String(place.number);
  card.dataset.peopleAhead = place.peopleAhead === null || place.peopleAhead === undefined ? '' : String(place.peopleAhead);
  card.dataset.standbyAdmitted = String(Boolean(place.admittedAt));
  const zone = place.item.festival.timezone;
  const at = (options) => new Intl.DateTimeFormat(state.translator.tag, { timeZone: zone, ...options }).format(new Date(place.item.startsAt));
  const line = (className, text) => {
    const element = document.createElement('p');
    element.className = className;
    element.textContent = text;
    card.append(element);
  };
  line('title', place.item.title);
  line('when', `${at({ weekday: 'long', month: 'long', day: 'numeric' })} ${at({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} · ${place.item.venue.name}`);
  line('label', t('festival-standby-your-number'));
  line('number', String(place.number));
  line('status', placeSentence(place));
  line('people', t('festival-standby-people', { people: place.quantity }));
  const waiting = !place.admittedAt && new Date(place.item.lateEntryUntil) >= new Date();
  if (waiting) {
    line('quiet', t('festival-standby-help'));
    const actions = document.createElement('div');
    actions.className = 'actions';
    const leave = document.createElement('button');
    leave.type = 'button';
    leave.className = 'leave';
    leave.textContent = t('festival-standby-leave');
    leave.addEventListener('click', () => leaveStandby(place));
    actions.append(leave);
    card.append(actions);
  }
  return card;
}

// --- Ballots -------------------------------------------------------------------------

function openBallot(item) {
  if (!state.credentials.present) {
    notice(t('festival-sign-in-first'));
    location.hash = '#account';
    return;
  }
  state.entering = item;
  $('ballot-title').textContent = item.title;
  $('ballot-when').textContent = `${longDay(item.startsAt)} ${clock(item.startsAt)} · ${item.venue.name}`;
  $('ballot-explained').textContent = t('festival-ballot-explained', {
    when: `${longDay(item.ballotClosesAt)} ${clock(item.ballotClosesAt)}`,
    minutes: item.claimMinutes ?? 60,
  });
  const most = Math.max(1, item.maxTicketsPerAttendee);
  $('ballot-quantity').replaceChildren(...Array.from({ length: most }, (_, index) => new Option(String(index + 1), String(index + 1))));
  $('ballot-quantity').value = '1';
  $('ballot-partner').value = '';
  $('ballot-problem').hidden = true;
  $('ballot-enter').showModal();
}

async function enterBallot(event) {
  event.preventDefault();
  const item = state.entering;
  const submit = $('ballot-submit');
  if (submit.disabled) return;
  submit.disabled = true;
  const partnerEmail = $('ballot-partner').value.trim() || null;
  try {
    const { enterBallot: entry } = await state.api.request(ENTER_BALLOT, {
      input: { itemId: item.id, quantity: Number($('ballot-quantity').value), partnerEmail },
    });
    $('ballot-enter').close();
    const zone = entry.item.festival.timezone;
    notice(t('festival-ballot-entered', { title: item.title, when: moment(entry.item.ballotClosesAt, zone) }));
    location.hash = '#tickets';
    await loadTickets();
  } catch (error) {
    $('ballot-problem').textContent = ballotRefusal(error, item, partnerEmail);
    $('ballot-problem').hidden = false;
    await loadTickets().catch(() => {});
  } finally {
    submit.disabled = false;
  }
}

/// A refused entry as a sentence: the partner named, an entry made
/// already, or what any reservation would be told.
function ballotRefusal(error, item, partnerEmail) {
  if (error.code === 'ALREADY_EXISTS') return t('festival-ballot-already');
  if (error.code === 'BAD_USER_INPUT' && error.extensions?.field === 'partnerEmail') {
    const yours = partnerEmail && state.me?.email && partnerEmail.toLowerCase() === state.me.email.toLowerCase();
    return t(yours ? 'festival-ballot-partner-yours' : 'festival-ballot-partner-unknown', { email: partnerEmail ?? '' });
  }
  if (error.code === 'LIMIT_EXCEEDED' && item) return t('festival-ballot-limit', { limit: item.maxTicketsPerAttendee });
  if (error.code === 'BAD_USER_INPUT' && error.extensions?.field === 'itemId') return t('festival-ballot-not-open');
  return refusal(error, item);
}

/// Reads the attendee's entries again, for the programme's cards.
async function readBallot() {
  try {
    const { myBallotEntries } = await state.api.request(MY_BALLOT);
    if (!state.credentials.present) return;
    state.ballot = myBallotEntries;
    renderBallot();
    renderCards();
  } catch {
    // My tickets reads them again.
  }
}

/// Where an entry stands, for the attendee who sees it: its status, told
/// apart for a partner who has not confirmed and for a ballot that closed.
function ballotState(entry, now = new Date()) {
  const closed = new Date(entry.item.ballotClosesAt) <= now;
  if (entry.isPartner && !entry.partnerConfirmedAt && entry.status !== 'WITHDRAWN') {
    return entry.status === 'OPEN' && !closed ? 'partner-asked' : 'partner-missed';
  }
  if (entry.status === 'OPEN') return closed ? 'drawing' : 'open';
  return entry.status.toLowerCase();
}

/// What an entry means, in a sentence.
function ballotSentence(entry) {
  const zone = entry.item.festival.timezone;
  const when = moment(entry.item.ballotClosesAt, zone);
  const until = entry.claimUntil ? moment(entry.claimUntil, zone) : '';
  const stateNow = ballotState(entry);
  const names = { entrant: entry.entrantName, partner: entry.partnerName ?? '' };
  if (stateNow === 'open') {
    if (entry.isPartner) return t('festival-ballot-open-partner-help', { ...names, when });
    if (entry.hasPartner && entry.partnerConfirmedAt) return t('festival-ballot-open-pair-help', { ...names, places: entry.places, when });
    if (entry.hasPartner) return t('festival-ballot-open-waiting-help', { ...names, tickets: entry.quantity, when });
    return t('festival-ballot-open-help', { tickets: entry.quantity, when });
  }
  if (stateNow === 'partner-asked') return t('festival-ballot-partner-asked-help', { ...names, when });
  if (stateNow === 'won' && entry.isPartner) return t('festival-ballot-won-partner-help', { ...names, until });
  if (stateNow === 'won') return t('festival-ballot-won-help', { places: entry.places, until });
  if (stateNow === 'claimed' && entry.isPartner) return t('festival-ballot-claimed-partner-help', names);
  if (stateNow === 'claimed') return t('festival-ballot-claimed-help', { places: entry.places });
  return t(`festival-ballot-${stateNow}-help`, { until, when });
}

/// Wins to claim first, then entries waiting for the draw or for a
/// partner, then the rest; by the items' start within each.
function renderBallot() {
  const order = { won: 0, 'partner-asked': 1, open: 2, drawing: 3 };
  const entries = [...state.ballot].sort(
    (a, b) =>
      (order[ballotState(a)] ?? 9) - (order[ballotState(b)] ?? 9) || new Date(a.item.startsAt) - new Date(b.item.startsAt),
  );
  $('ballots').hidden = entries.length === 0;
  $('ballots').dataset.count = String(entries.length);
  $('ballot-list').replaceChildren(...entries.map(ballotCard));
}

function ballotCard(entry) {
  const card = document.createElement('li');
  card.className = 'card ballot-entry';
  const stateNow = ballotState(entry);
  card.dataset.entryId = entry.id;
  card.dataset.itemId = entry.item.id;
  card.dataset.ballotStatus = entry.status;
  card.dataset.ballotState = stateNow;
  card.dataset.partner = String(entry.isPartner);
  card.dataset.partnerConfirmed = String(Boolean(entry.partnerConfirmedAt));
  card.dataset.claimUntil = entry.claimUntil ?? '';
  const zone = entry.item.festival.timezone;
  const line = (className, text) => {
    const element = document.createElement('p');
    element.className = className;
    element.textContent = text;
    card.append(element);
    return element;
  };
  line('title', entry.item.title);
  line('when', `${moment(entry.item.startsAt, zone)} · ${entry.item.venue.name}`);
  line('status', t(`festival-ballot-status-${stateNow}`));
  line('sentence', ballotSentence(entry));
  const now = new Date();
  const open = entry.status === 'OPEN' && now < new Date(entry.item.ballotClosesAt);
  const actions = document.createElement('div');
  actions.className = 'actions';
  const button = (className, label, action) => {
    const element = document.createElement('button');
    element.type = 'button';
    element.className = className;
    element.textContent = label;
    element.addEventListener('click', () => action(element));
    actions.append(element);
  };
  if (entry.status === 'WON' && !entry.isPartner && entry.claimUntil && now <= new Date(entry.claimUntil)) {
    button('primary claim', t('festival-ballot-claim'), (element) => claimWin(entry, element));
  }
  if (open && entry.isPartner && !entry.partnerConfirmedAt) {
    button('primary confirm-partner', t('festival-ballot-confirm'), (element) => confirmPartner(entry, element));
  }
  if (open && !entry.isPartner) {
    button('withdraw', t('festival-ballot-withdraw'), () => withdrawEntry(entry));
  }
  if (actions.childElementCount > 0) card.append(actions);
  // A ballot cancelled before its draw has nothing left to check.
  if (entry.status !== 'CANCELLED' || entry.item.ballotDrawnAt) card.append(drawCheck(entry));
  return card;
}

/// Runs `action` once at a time from `element`; a refusal is a notice.
async function ballotAction(element, action) {
  if (element?.disabled) return;
  if (element) element.disabled = true;
  try {
    await action();
  } catch (error) {
    notice(refusal(error), 'problem');
    await loadTickets().catch(() => {});
  } finally {
    if (element) element.disabled = false;
  }
}

function claimWin(entry, element) {
  return ballotAction(element, async () => {
    const { claimBallotWin: tickets } = await state.api.request(CLAIM_WIN, { id: entry.id });
    notice(t('festival-ballot-claimed', { count: tickets.length, title: entry.item.title }));
    await loadTickets();
  });
}

function confirmPartner(entry, element) {
  return ballotAction(element, async () => {
    await state.api.request(CONFIRM_PARTNER, { id: entry.id });
    notice(t('festival-ballot-confirmed', { title: entry.item.title, when: moment(entry.item.ballotClosesAt, entry.item.festival.timezone) }));
    await loadTickets();
  });
}

function withdrawEntry(entry) {
  if (!confirm(t('festival-ballot-withdraw-confirm', { title: entry.item.title }))) return undefined;
  return ballotAction(null, async () => {
    await state.api.request(WITHDRAW_BALLOT, { id: entry.id });
    await loadTickets();
  });
}

// --- Checking a draw: commit and reveal ---------------------------------------------

const hexOf = (buffer) => [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
const bytesOf = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/// SHA-256 of `parts` one after the other, in hex; null where the page
/// cannot hash (crypto.subtle needs a secure context).
async function sha256(...parts) {
  if (!crypto.subtle) return null;
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return hexOf(await crypto.subtle.digest('SHA-256', joined));
}

/// "How the draw works": the published commitment, and once drawn the
/// secret, the seed and this entry's rank, checked on the phone.
function drawCheck(entry) {
  const details = document.createElement('details');
  details.className = 'draw';
  const summary = document.createElement('summary');
  summary.textContent = t('festival-ballot-draw-title');
  const body = document.createElement('div');
  details.append(summary, body);
  details.addEventListener('toggle', () => {
    if (details.open && !details.dataset.loaded) showDraw(entry, details, body);
  });
  return details;
}

async function showDraw(entry, details, body) {
  details.dataset.loaded = 'loading';
  const paragraph = (text, className) => {
    const element = document.createElement('p');
    if (className) element.className = className;
    element.textContent = text;
    body.append(element);
    return element;
  };
  const value = (label, hex) => {
    const element = paragraph(`${label} `, 'hash');
    const code = document.createElement('code');
    code.textContent = hex;
    element.append(code);
  };
  try {
    const { ballotResult: result } = await state.api.request(BALLOT_RESULT, { id: entry.item.id });
    body.replaceChildren();
    paragraph(t('festival-ballot-draw-explained'), 'quiet');
    if (!result) return;
    value(t('festival-ballot-draw-commitment'), result.commitment);
    if (!result.secret) {
      paragraph(t('festival-ballot-draw-later'), 'quiet');
      details.dataset.loaded = 'committed';
      return;
    }
    value(t('festival-ballot-draw-secret'), result.secret);
    value(t('festival-ballot-draw-seed'), result.seed);
    const rank = await sha256(bytesOf(result.seed), new TextEncoder().encode(entry.id));
    if (rank) value(t('festival-ballot-draw-rank'), rank);
    const commitment = await sha256(bytesOf(result.secret));
    const seed = await sha256(bytesOf(result.secret), bytesOf(result.entriesDigest));
    if (commitment !== null) {
      const good = commitment === result.commitment && seed === result.seed;
      const checked = paragraph(t(good ? 'festival-ballot-draw-checked' : 'festival-ballot-draw-mismatch'), 'checked');
      checked.dataset.good = String(good);
    }
    details.dataset.loaded = 'drawn';
  } catch (error) {
    details.dataset.loaded = '';
    body.replaceChildren();
    paragraph(refusal(error), 'problem');
  }
}

// --- Strikes: no-shows and late cancellations ---------------------------------------

/// Shows where the attendee stands: nothing without a strike; else their
/// strikes, forgiven or not, and, while they are blocked, until when.
function renderStanding() {
  const { blockedUntil, noShows } = state.standing;
  const section = $('standing');
  section.hidden = noShows.length === 0;
  section.dataset.strikes = String(noShows.length);
  const blocked = blockedUntil && new Date(blockedUntil) > new Date() ? blockedUntil : null;
  section.dataset.blockedUntil = blocked ?? '';
  const counting = noShows.filter((strike) => !strike.forgivenAt);
  // The block's festival is that of the latest strike that counts.
  const zone = counting[0]?.item.festival.timezone ?? state.festival?.timezone;
  $('standing-blocked').hidden = !blocked;
  $('standing-blocked').textContent = blocked ? t('festival-standing-blocked', { until: moment(blocked, zone), count: counting.length }) : '';
  $('strike-list').replaceChildren(...noShows.map(strikeLine));
}

function strikeLine(strike) {
  const line = document.createElement('li');
  line.className = 'strike';
  line.dataset.noShowId = strike.id;
  line.dataset.itemId = strike.item.id;
  line.dataset.kind = strike.kind;
  line.dataset.forgiven = String(Boolean(strike.forgivenAt));
  const zone = strike.item.festival.timezone;
  const kind = strike.kind.toLowerCase().replaceAll('_', '-');
  const paragraph = (className, text) => {
    const element = document.createElement('p');
    element.className = className;
    element.textContent = text;
    line.append(element);
    return element;
  };
  const title = paragraph('title', `${strike.item.title} `);
  const tag = document.createElement('span');
  tag.className = 'kind';
  tag.textContent = t(`festival-strike-${kind}`);
  title.append(tag);
  paragraph('when', `${moment(strike.item.startsAt, zone)} · ${strike.item.venue.name}`);
  paragraph('what', t(`festival-strike-${kind}-help`, { when: moment(strike.at, zone) }));
  if (strike.forgivenAt) paragraph('forgiven', t('festival-strike-forgiven', { when: moment(strike.forgivenAt, zone) }));
  return line;
}

// --- My tickets -------------------------------------------------------------------

async function loadTickets() {
  if (!state.credentials.present) return renderTickets();
  try {
    const { myTickets, myWaitlist, myStandby, myBallotEntries, me } = await state.api.request(MY_TICKETS);
    state.tickets = myTickets;
    state.waitlist = myWaitlist;
    state.ballot = myBallotEntries;
    state.standing = me ?? { blockedUntil: null, noShows: [] };
    showStandby(myStandby);
    renderStanding();
    renderBallot();
    await set(
      'tickets',
      {
        tickets: myTickets,
        waitlist: myWaitlist,
        standby: myStandby,
        ballot: myBallotEntries,
        standing: state.standing,
        at: new Date().toISOString(),
      },
      saved,
    );
    setOnline(true);
    $('tickets-saved').hidden = true;
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    setOnline(false);
    const kept = await get('tickets', saved);
    if (kept) {
      state.tickets = kept.tickets;
      state.waitlist = kept.waitlist;
      state.standby = kept.standby ?? [];
      state.ballot = kept.ballot ?? [];
      state.standing = kept.standing ?? { blockedUntil: null, noShows: [] };
      renderStandby();
      renderStanding();
      renderBallot();
      $('tickets-saved').textContent = t('festival-tickets-saved', { when: new Date(kept.at).toLocaleString(state.translator.tag) });
      $('tickets-saved').hidden = false;
    }
  }
  renderTickets();
}

function renderTickets() {
  const shown = state.tickets.filter((ticket) => ticket.status !== 'CANCELLED');
  $('tickets-none').hidden = shown.length > 0;
  $('ticket-list').replaceChildren(...shown.map(ticketCard));
  $('waitlist-none').hidden = state.waitlist.length > 0;
  $('waitlist-list').replaceChildren(
    ...state.waitlist.map((entry) => {
      const line = document.createElement('li');
      line.dataset.entryId = entry.id;
      const zone = entry.item.festival.timezone;
      const when = new Intl.DateTimeFormat(state.translator.tag, { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(entry.item.startsAt));
      line.textContent = `${t('festival-waitlist-entry', { title: entry.item.title, position: entry.position, quantity: entry.quantity })} (${when}) `;
      const leave = document.createElement('button');
      leave.type = 'button';
      leave.textContent = t('festival-leave-waitlist');
      leave.addEventListener('click', async () => {
        try {
          await state.api.request(LEAVE_WAITLIST, { id: entry.id });
          await loadTickets();
        } catch (error) {
          notice(refusal(error), 'problem');
        }
      });
      line.append(leave);
      return line;
    }),
  );
}

function ticketCard(ticket) {
  const card = document.createElement('li');
  card.className = 'card';
  card.dataset.ticketId = ticket.id;
  card.dataset.status = ticket.status;
  card.dataset.fromStandby = String(Boolean(ticket.fromStandby));
  const zone = ticket.item.festival.timezone;
  const at = (options) => new Intl.DateTimeFormat(state.translator.tag, { timeZone: zone, ...options }).format(new Date(ticket.item.startsAt));
  const line = (className, text) => {
    const element = document.createElement('p');
    element.className = className;
    element.textContent = text;
    card.append(element);
  };
  line('title', ticket.item.title);
  line('when', `${at({ weekday: 'long', month: 'long', day: 'numeric' })} ${at({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`);
  line('where', `${ticket.item.venue.name} · ${t('festival-gates', { gates: ticket.item.venue.gates.join(', ') })}`);
  // A released ticket no longer lets anyone in: no code to show at the door.
  if (ticket.status !== 'RELEASED') {
    const qr = document.createElement('img');
    qr.className = 'qr';
    qr.alt = t('festival-qr-alt', { holder: ticket.holderName });
    qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(ticket.qrSvg)}`;
    card.append(qr);
  }
  line('holder', ticket.holderName);
  // A place called in from the standby line became this ticket, checked in there and then.
  const fromStandby = ticket.fromStandby && ticket.status === 'CHECKED_IN';
  line('status', fromStandby ? t('festival-ticket-from-standby') : t(`festival-ticket-${ticket.status.toLowerCase().replaceAll('_', '-')}`));
  if (ticket.status === 'RELEASED') {
    const time = new Intl.DateTimeFormat(state.translator.tag, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    line('quiet', t('festival-ticket-released-help', { time: time.format(new Date(ticket.item.releaseAt)) }));
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  if (ticket.status === 'RELEASED' && standbyOpen(ticket.item) && !state.standby.some((place) => place.item.id === ticket.item.id)) {
    const standby = document.createElement('button');
    standby.type = 'button';
    standby.className = 'primary standby';
    standby.textContent = t('festival-standby-join');
    standby.addEventListener('click', () => openStandby(ticket.item));
    actions.append(standby);
  }
  const calendar = document.createElement('a');
  calendar.className = 'button';
  calendar.href = `/items/${ticket.item.id}/calendar.ics`;
  calendar.textContent = t('festival-add-to-calendar');
  actions.append(calendar);
  if (ticket.status === 'ACTIVE') {
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'cancel';
    cancel.textContent = t('festival-cancel-ticket');
    cancel.addEventListener('click', async () => {
      if (!confirm(t('festival-cancel-confirm', { holder: ticket.holderName, title: ticket.item.title }))) return;
      try {
        await state.api.request(CANCEL, { id: ticket.id });
        await loadTickets();
      } catch (error) {
        notice(refusal(error), 'problem');
      }
    });
    actions.append(cancel);
  }
  card.append(actions);
  return card;
}

// --- The account ------------------------------------------------------------------

async function loadMe() {
  if (!state.credentials.present) {
    state.me = null;
  } else {
    try {
      state.me = (await state.api.request(ME)).me;
      if (!state.me) state.credentials.clear();
    } catch (error) {
      if (!(error instanceof NetworkError)) {
        state.credentials.clear();
        state.me = null;
      }
    }
  }
  renderAccount();
}

function renderAccount() {
  const signedIn = state.credentials.present;
  root.dataset.signedIn = String(signedIn);
  $('signed-out').hidden = signedIn;
  $('signed-in').hidden = !signedIn;
  $('me-name').textContent = state.me?.displayName ?? '';
  $('me-email').textContent = state.me?.email ?? '';
}

function accountForm(id, handler) {
  $(id).addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.target));
    try {
      await handler(form);
      event.target.reset();
    } catch (error) {
      notice(refusal(error), 'problem');
    }
  });
}

async function signedIn(payload) {
  state.credentials.save(payload);
  await loadMe();
  await loadTickets();
  notice(t('festival-welcome', { name: state.me?.displayName ?? '' }));
  location.hash = '#programme';
}

// --- Pages, online state, language --------------------------------------------------

function show(section) {
  for (const id of ['festivals', 'programme', 'tickets', 'account']) $(id).hidden = id !== section;
  for (const id of ['programme', 'tickets', 'account']) {
    const tab = $(`tab-${id}`);
    if (id === section) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
}

function route() {
  const section = location.hash.slice(1) || 'programme';
  if (section === 'programme' && !state.festival) return;
  show(['programme', 'tickets', 'account'].includes(section) ? section : 'programme');
  if (section === 'programme') renderProgramme();
  if (section === 'tickets') loadTickets();
}

function setOnline(online) {
  root.dataset.online = String(online);
  $('offline-banner').hidden = online;
}

async function switchLanguage(tag) {
  chooseLanguage(tag);
  state.translator = await Translator.load(tag, ['festival']);
  state.translator.translate(document);
  // A notice said in the language left behind is stale.
  notice('');
  renderFilters();
  route();
}

async function main() {
  navigator.serviceWorker?.register('/app-sw.js?app=festival', { scope: '/' }).catch(() => {});
  state.translator = await Translator.load(preferredLanguage(), ['festival']);
  const languages = $('language');
  languages.replaceChildren(...LANGUAGES.map(({ tag, name }) => new Option(name, tag)));
  languages.value = state.translator.tag;
  languages.addEventListener('change', () => switchLanguage(languages.value));
  state.translator.translate(document);
  state.api = new Api(state.credentials, () => state.translator.tag);

  $('filter-venue').addEventListener('change', renderProgramme);
  $('filter-kind').addEventListener('change', renderProgramme);
  $('reserve-form').addEventListener('submit', reserve);
  $('reserve-quantity').addEventListener('change', renderHolderNames);
  $('reserve-cancel').addEventListener('click', () => $('reserve').close());
  $('reserve-waitlist').addEventListener('click', joinWaitlist);
  $('standby-form').addEventListener('submit', joinStandby);
  $('standby-cancel').addEventListener('click', () => $('standby-join').close());
  $('ballot-form').addEventListener('submit', enterBallot);
  $('ballot-cancel').addEventListener('click', () => $('ballot-enter').close());
  accountForm('sign-in', async ({ email, password }) => {
    const { login } = await state.api.request(LOGIN, { input: { email, password } });
    await signedIn(login);
  });
  accountForm('sign-up', async ({ displayName, email, password }) => {
    const { register } = await state.api.request(REGISTER, { input: { displayName, email, password } });
    await signedIn(register);
  });
  accountForm('change-password', async ({ oldPassword, newPassword }) => {
    await state.api.request(CHANGE_PASSWORD, { old: oldPassword, new: newPassword });
    notice(t('festival-password-changed'));
  });
  $('sign-out').addEventListener('click', async () => {
    const refreshToken = state.credentials.value?.refreshToken;
    if (refreshToken) await state.api.request(LOGOUT, { refreshToken }).catch(() => {});
    state.credentials.clear();
    state.tickets = [];
    state.waitlist = [];
    state.standing = { blockedUntil: null, noShows: [] };
    state.ballot = [];
    renderStanding();
    renderBallot();
    showStandby([]);
    await set('tickets', undefined, saved);
    renderAccount();
    renderTickets();
  });
  addEventListener('hashchange', route);
  addEventListener('online', () => {
    setOnline(true);
    route();
  });
  addEventListener('offline', () => setOnline(false));
  // Standby lines and ballots open and close while the page stays open.
  setInterval(() => {
    renderCards();
    renderBallot();
    watchStandby();
  }, 30 * 1000);

  await loadMe();
  // The places in standby lines are followed whichever page is open; the
  // ballot entries tell the programme's cards who entered.
  if (state.credentials.present) {
    readStandby();
    readBallot();
  }
  try {
    await chooseFestival();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    setOnline(false);
    const kept = await get('programme', saved);
    if (kept) {
      state.festival = kept.festival;
      state.items = kept.items;
      $('festival-name').textContent = kept.festival.name;
      state.day = dayKey(new Date());
      renderFilters();
    }
    route();
  }
}

main();
