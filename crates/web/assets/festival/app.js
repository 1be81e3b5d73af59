// The attendees' app: the programme with live availability, an account,
// reservations, and "my tickets" with their QR codes, kept on the phone so
// that they open at the door without a network; when nothing is left to
// reserve, a numbered place in the standby line, followed live; and the
// attendee's no-show strikes, with the block they may bring.
import { Api, Credentials, NetworkError } from '/common/api.js';
import { LANGUAGES, Translator, chooseLanguage, preferredLanguage } from '/common/i18n.js';
import { createStore, get, set } from '/vendor/idb-keyval.js';

const ITEM_FIELDS = `id title kind status startsAt endsAt ticketsLeft ticketCapacity waitlistLength
  maxTicketsPerAttendee reservationOpensAt standbyOpensAt lateEntryUntil
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
const TICKET_FIELDS = `id code holderName status checkedInAt qrSvg
  item { id title status startsAt endsAt standbyOpensAt lateEntryUntil releaseAt venue { name address gates } festival { id timezone } }`;
const STANDBY_FIELDS = `id number quantity admittedAt peopleAhead
  item { id title startsAt lateEntryUntil venue { name } festival { timezone } }`;
const MY_STANDBY = `query { myStandby { ${STANDBY_FIELDS} } }`;
const STANDING_FIELDS = `blockedUntil
  noShows { id kind at forgivenAt item { id title startsAt venue { name } festival { id timezone } } }`;
// Released tickets come with the cancelled ones: they are shown, without a code.
const MY_TICKETS = `query { myTickets(includeCancelled: true) { ${TICKET_FIELDS} } myWaitlist { id position quantity item { id title startsAt festival { timezone } } }
  myStandby { ${STANDBY_FIELDS} } me { ${STANDING_FIELDS} } }`;
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
  reserving: null,
  joining: null,
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
    const other = state.tickets.find(
      (ticket) =>
        isHeld(ticket) &&
        ticket.item.id !== item.id &&
        new Date(ticket.item.startsAt) < new Date(item.endsAt) &&
        new Date(item.startsAt) < new Date(ticket.item.endsAt),
    );
    if (other) return t('festival-error-overlap', { title: other.item.title, time: `${longDay(other.item.startsAt)} ${clock(other.item.startsAt)}` });
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
  const actions = document.createElement('div');
  actions.className = 'actions';
  const reserve = document.createElement('button');
  reserve.type = 'button';
  reserve.className = 'primary reserve';
  reserve.addEventListener('click', () => openReservation(item));
  const standby = document.createElement('button');
  standby.type = 'button';
  standby.className = 'primary standby';
  standby.textContent = t('festival-standby-join');
  standby.addEventListener('click', () => openStandby(item));
  const calendar = document.createElement('a');
  calendar.className = 'button';
  calendar.href = `/items/${item.id}/calendar.ics`;
  calendar.textContent = t('festival-add-to-calendar');
  actions.append(reserve, standby, calendar);
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
  const text = {
    OPEN: () => t('festival-left', { left: item.ticketsLeft }),
    SOLD_OUT: () => t('festival-sold-out', { waiting: item.waitlistLength }),
    NOT_YET_OPEN: () => t('festival-not-yet-open', { when: `${longDay(item.reservationOpensAt)} ${clock(item.reservationOpensAt)}` }),
    CLOSED: () => t('festival-closed'),
    CANCELLED: () => t('festival-cancelled'),
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
  for (const place of places) {
    const before = state.standby.find((known) => known.id === place.id);
    if (place.admittedAt && before && !before.admittedAt) {
      notice(t('festival-standby-called', { number: place.number, title: place.item.title }));
    }
  }
  state.standby = places;
  renderStandby();
  renderCards();
  watchStandby();
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
    const { myTickets, myWaitlist, myStandby, me } = await state.api.request(MY_TICKETS);
    state.tickets = myTickets;
    state.waitlist = myWaitlist;
    state.standing = me ?? { blockedUntil: null, noShows: [] };
    showStandby(myStandby);
    renderStanding();
    await set(
      'tickets',
      { tickets: myTickets, waitlist: myWaitlist, standby: myStandby, standing: state.standing, at: new Date().toISOString() },
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
      state.standing = kept.standing ?? { blockedUntil: null, noShows: [] };
      renderStandby();
      renderStanding();
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
  line('status', t(`festival-ticket-${ticket.status.toLowerCase().replaceAll('_', '-')}`));
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
    renderStanding();
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
  // Standby lines open and close while the page stays open.
  setInterval(() => {
    renderCards();
    watchStandby();
  }, 30 * 1000);

  await loadMe();
  // The places in standby lines are followed whichever page is open.
  if (state.credentials.present) readStandby();
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
