// The door app: pairs a phone (or signs in door staff), reads ticket codes
// from the camera, a keyboard-wedge scanner or the keyboard, and answers
// each in a blink, online through checkIn or offline from the manifest.
// Below the camera, the chosen item's standby line: walk-ups given a
// number, and the first places that fit called in.
import { Api, ApiError, Credentials, NetworkError } from '/common/api.js';
import { LANGUAGES, Translator, chooseLanguage, momentArgs, preferredLanguage } from '/common/i18n.js';
import { Camera } from '/door/camera.js';
import { allowSound, signal } from '/door/feedback.js';
import {
  decideOffline,
  dropScans,
  forgetManifest,
  keepScan,
  loadManifest,
  pendingScans,
  saveManifest,
  verifyCode,
} from '/door/offline.js';

const ONLINE_ANSWER_MS = 2000;
const SAME_CODE_MS = 3000;
const MANIFEST_EVERY_MS = 3 * 60 * 1000;
const HEARTBEAT_MS = 5000;
const SYNC_BATCH = 500;
const SHOWN_MS = { green: 3000, amber: 4000, red: 4000, neutral: 2000 };
/// Keys a wedge scanner types come faster than this; a longer pause starts over.
const WEDGE_GAP_MS = 300;

const VENUE_FIELDS = 'id name capacity gates';
const MY_SCANNER = `query { myScanner { label gate venue { ${VENUE_FIELDS} } } }`;
const MY_VENUES = `query {
  me { displayName roles { role festival { name venues { ${VENUE_FIELDS} } } venue { ${VENUE_FIELDS} } } }
}`;
const ALL_VENUES = `query { festivals { name venues { ${VENUE_FIELDS} } } }`;
const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken }
}`;
const LOGOUT = 'mutation Logout($refreshToken: String!) { logout(refreshToken: $refreshToken) }';
const MANIFEST = `query Manifest($venueId: ID!) {
  scannerManifest(venueId: $venueId) {
    venue { ${VENUE_FIELDS} }
    items { id title status startsAt doorsOpenAt lateEntryUntil releaseAt standbyOpensAt festival { timezone } }
    cancelledTicketIds checkedInTicketIds jwks generatedAt
  }
}`;
const RESULT_FIELDS = 'outcome message ticket { id holderName checkedInAt item { id title } }';
const CHECK_IN = `mutation CheckIn($input: CheckInInput!) { checkIn(input: $input) { ${RESULT_FIELDS} } }`;
const SYNC = `mutation Sync($scans: [OfflineScanInput!]!) {
  syncOfflineScans(scans: $scans) { clientScanId conflict result { ${RESULT_FIELDS} } }
}`;
const UNDO = 'mutation Undo($ticketId: ID!) { undoCheckIn(ticketId: $ticketId) { id status } }';
const ATTENDANCE = `subscription Attendance($itemId: ID!) {
  attendanceChanged(itemId: $itemId) { checkedIn venueCapacity standbyAdmitted standbyWaiting standbyPlaces }
}`;
const PLACE_FIELDS = 'id number name quantity walkUp';
const STANDBY_LINE = `query Line($itemId: ID!) { standbyLine(itemId: $itemId) { ${PLACE_FIELDS} } }`;
const WALK_UP = `mutation WalkUp($input: AddStandbyWalkUpInput!) { addStandbyWalkUp(input: $input) { ${PLACE_FIELDS} } }`;
const CALL = `mutation Call($input: CallStandbyInput!) { callStandby(input: $input) { ${PLACE_FIELDS} } }`;

const COLOURS = {
  ADMITTED: 'green',
  ALREADY_CHECKED_IN: 'amber',
  RELEASED: 'amber',
  TOO_EARLY: 'amber',
  WRONG_ITEM: 'amber',
  WRONG_VENUE: 'amber',
};

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const stored = (key) => JSON.parse(localStorage.getItem(key) ?? 'null');
const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));

const state = {
  translator: null,
  credentials: new Credentials('usher.door.credentials'),
  api: null,
  camera: null,
  venue: null,
  manifest: null,
  itemId: '',
  itemChosen: false,
  gate: localStorage.getItem('usher.door.gate') ?? '',
  online: true,
  pending: [],
  /// Tickets this phone admitted offline: ticket id → { at, gate }.
  admittedHere: new Map(),
  attendance: null,
  unsubscribe: null,
  seen: new Map(),
  wedge: { typed: '', at: 0 },
  answerTimer: null,
  lastAnswer: null,
  syncing: false,
  conflicts: stored('usher.door.conflicts') ?? [],
  /// The counted item's standby line: its waiting places, the last call
  /// and the last walk-up's place.
  standby: freshStandby(null),
};

const t = (id, args) => state.translator.t(id, args);

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  root.dataset.online = String(online);
  renderStatus();
  renderStandby();
  if (online) {
    refreshManifest().then(sync);
    loadLine();
  }
}

function renderStatus() {
  $('status').textContent = t(state.online ? 'door-page-online' : 'door-page-offline');
  const pending = state.pending.length;
  root.dataset.pendingSync = String(pending);
  const banner = $('banner');
  banner.hidden = state.online && pending === 0;
  banner.textContent = t(state.online ? 'door-page-pending' : 'door-page-offline-banner', { pending });
  renderCounter();
}

// --- Where: venue, item, gate ----------------------------------------------

function show(panel) {
  for (const id of ['pairing', 'venues', 'door']) $(id).hidden = id !== panel;
}

function openItems() {
  const now = new Date();
  return (state.manifest?.items ?? []).filter(
    (item) => item.status !== 'CANCELLED' && new Date(item.doorsOpenAt) <= now && now <= new Date(item.lateEntryUntil),
  );
}

/// The item the counter counts: the one chosen, else the one whose doors are open.
function countedItem() {
  const items = state.manifest?.items ?? [];
  return items.find((item) => item.id === state.itemId) ?? (state.itemId ? null : openItems()[0] ?? null);
}

function renderWhere() {
  if (!state.itemChosen) state.itemId = openItems()[0]?.id ?? '';
  const items = state.manifest?.items ?? [];
  const select = $('item');
  select.replaceChildren(
    new Option(t(items.length ? 'door-page-item-any' : 'door-page-no-items'), ''),
    ...items.map((item) => {
      const when = new Intl.DateTimeFormat(state.translator.tag, {
        timeZone: item.festival.timezone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(item.startsAt));
      return new Option(`${when} · ${item.title}`, item.id);
    }),
  );
  select.value = state.itemId;
  const gates = state.manifest?.venue.gates ?? state.venue?.gates ?? [];
  if (!gates.includes(state.gate)) state.gate = gates.length === 1 ? gates[0] : '';
  $('gate').replaceChildren(
    new Option(t('door-page-gate-none'), ''),
    ...gates.map((gate) => new Option(gate, gate)),
  );
  $('gate').value = state.gate;
  subscribeCounter();
}

function renderCounter() {
  const item = countedItem();
  const counter = $('counter');
  if (!item || !state.attendance || state.attendance.itemId !== item.id) {
    counter.textContent = state.venue?.name ?? '';
    return;
  }
  const offline = state.pending.filter((scan) => scan.itemId === item.id && scan.outcome === 'ADMITTED').length;
  counter.textContent = t('door-page-in', {
    admitted: inside(state.attendance) + offline,
    capacity: state.attendance.venueCapacity,
  });
}

/// People inside: those on tickets and those let in from the standby line.
const inside = (attendance) => attendance.checkedIn + (attendance.standbyAdmitted ?? 0);

function subscribeCounter() {
  const item = countedItem();
  watchStandby(item);
  if (state.attendance?.itemId === item?.id && state.unsubscribe) return renderCounter();
  state.unsubscribe?.();
  state.unsubscribe = null;
  state.attendance = null;
  renderCounter();
  if (!item) return;
  state.unsubscribe = state.api.subscribe(ATTENDANCE, { itemId: item.id }, ({ attendanceChanged }) => {
    const before = state.attendance;
    state.attendance = { itemId: item.id, ...attendanceChanged };
    renderCounter();
    renderStandby();
    // The line moved (someone joined, left or was called): read it again.
    if (
      before?.itemId !== item.id ||
      before.standbyWaiting !== attendanceChanged.standbyWaiting ||
      before.standbyAdmitted !== attendanceChanged.standbyAdmitted
    ) {
      loadLine();
    }
  });
}

async function refreshManifest() {
  if (!state.venue) return;
  try {
    const { scannerManifest } = await state.api.request(MANIFEST, { venueId: state.venue.id });
    // Admissions this phone made offline stay known until the server's
    // list has them.
    const checkedIn = new Set(scannerManifest.checkedInTicketIds);
    for (const ticketId of state.admittedHere.keys()) checkedIn.add(ticketId);
    scannerManifest.checkedInTicketIds = [...checkedIn];
    state.manifest = scannerManifest;
    state.venue = scannerManifest.venue;
    root.dataset.manifest = scannerManifest.generatedAt;
    await saveManifest(scannerManifest);
    setOnline(true);
    renderWhere();
  } catch (error) {
    if (error instanceof NetworkError) setOnline(false);
  }
}

// --- Who: pairing, signing in, the venue -----------------------------------

async function enter() {
  $('pairing-problem').hidden = true;
  if (!state.credentials.present) return show('pairing');
  const venue = stored('usher.door.venue');
  try {
    if (state.credentials.value.scanner) {
      const { myScanner } = await state.api.request(MY_SCANNER, {}, { timeout: 4000 });
      if (!myScanner) return refused();
      $('device').textContent = myScanner.label;
      if (myScanner.gate) {
        state.gate = myScanner.gate;
        localStorage.setItem('usher.door.gate', state.gate);
      }
      return openDoor(myScanner.venue);
    }
    const venues = await staffVenues();
    if (venues.length === 0) return refused('door-page-no-door-role');
    const again = venues.find((candidate) => candidate.id === venue?.id);
    if (again || venues.length === 1) return openDoor(again ?? venues[0]);
    chooseVenue(venues);
  } catch (error) {
    if (error instanceof NetworkError && venue) return openDoor(venue);
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return refused();
    problem('pairing-problem', t('door-page-error', { message: error.message }));
    show('pairing');
  }
}

function refused(sentence = 'door-page-pairing-refused') {
  state.credentials.clear();
  problem('pairing-problem', t(sentence));
  show('pairing');
}

function problem(id, text) {
  $(id).textContent = text;
  $(id).hidden = false;
}

async function staffVenues() {
  const { me } = await state.api.request(MY_VENUES);
  const door = (me?.roles ?? []).filter((grant) => ['DOOR_STAFF', 'ORGANIZER', 'ADMIN'].includes(grant.role));
  $('device').textContent = me?.displayName ?? '';
  let venues = door.flatMap((grant) => (grant.venue ? [grant.venue] : grant.festival?.venues ?? []));
  if (door.some((grant) => grant.role === 'ADMIN' && !grant.festival && !grant.venue)) {
    const { festivals } = await state.api.request(ALL_VENUES);
    venues = venues.concat(festivals.flatMap((festival) => festival.venues));
  }
  return [...new Map(venues.map((venue) => [venue.id, venue])).values()];
}

function chooseVenue(venues) {
  $('venue-list').replaceChildren(
    ...venues.map((venue) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = venue.name;
      button.addEventListener('click', () => openDoor(venue));
      return button;
    }),
  );
  show('venues');
}

async function signIn(event) {
  event.preventDefault();
  allowSound();
  const form = new FormData(event.target);
  try {
    const { login } = await state.api.request(LOGIN, {
      input: { email: form.get('email'), password: form.get('password') },
    });
    state.credentials.save(login);
    event.target.reset();
    await enter();
  } catch (error) {
    problem('pairing-problem', error.message);
  }
}

async function unpair() {
  const refreshToken = state.credentials.value?.refreshToken;
  if (refreshToken) state.api.request(LOGOUT, { refreshToken }).catch(() => {});
  state.credentials.clear();
  state.camera.stop();
  state.unsubscribe?.();
  state.unsubscribe = null;
  state.standby = freshStandby(null);
  if (state.venue) await forgetManifest(state.venue.id);
  localStorage.removeItem('usher.door.venue');
  state.venue = null;
  state.manifest = null;
  show('pairing');
}

async function openDoor(venue) {
  state.venue = venue;
  store('usher.door.venue', venue);
  state.manifest = (await loadManifest(venue.id)) ?? null;
  if (state.manifest) root.dataset.manifest = state.manifest.generatedAt;
  state.pending = await pendingScans();
  for (const scan of state.pending) {
    if (scan.outcome === 'ADMITTED') state.admittedHere.set(scan.ticketId, { at: scan.scannedAt, gate: scan.gate });
  }
  show('door');
  renderWhere();
  renderStatus();
  renderConflicts();
  await refreshManifest();
  startCamera();
  sync();
}

// --- Scanning ----------------------------------------------------------------

async function startCamera() {
  $('camera-problem').hidden = true;
  try {
    await state.camera.start();
    $('start-camera').hidden = true;
  } catch (error) {
    $('start-camera').hidden = false;
    if (error.name !== 'NotAllowedError' || navigator.userActivation?.hasBeenActive) {
      problem('camera-problem', t('door-page-camera-failed', { reason: error.message || error.name }));
    }
  }
}

function seenByCamera(code) {
  const now = Date.now();
  const before = state.seen.get(code);
  state.seen.set(code, now);
  for (const [seen, at] of state.seen) if (now - at > SAME_CODE_MS) state.seen.delete(seen);
  if (before === undefined || now - before > SAME_CODE_MS) scan(code);
}

function wedgeKey(event) {
  if (event.target.closest?.('input, select, textarea')) return;
  const now = Date.now();
  if (now - state.wedge.at > WEDGE_GAP_MS) state.wedge.typed = '';
  state.wedge.at = now;
  if (event.key === 'Enter') {
    const code = state.wedge.typed;
    state.wedge.typed = '';
    if (code.length > 0 && !$('door').hidden) {
      event.preventDefault();
      scan(code);
    }
  } else if (event.key.length === 1) {
    state.wedge.typed += event.key;
  }
}

async function scan(text) {
  const code = text.trim();
  if (!code || !state.venue) return;
  const attempt = {
    clientScanId: crypto.randomUUID(),
    code,
    gate: state.gate || null,
    venueId: state.venue.id,
    scannedAt: new Date().toISOString(),
  };
  if (state.online && navigator.onLine !== false) {
    try {
      const { checkIn } = await state.api.request(
        CHECK_IN,
        { input: { clientScanId: attempt.clientScanId, code, venueId: attempt.venueId, itemId: state.itemId || null, gate: attempt.gate } },
        { timeout: ONLINE_ANSWER_MS },
      );
      setOnline(true);
      if (checkIn.outcome === 'ADMITTED') knowCheckedIn(checkIn.ticket.id, true);
      return answer({
        outcome: checkIn.outcome,
        holder: checkIn.ticket?.holderName,
        title: checkIn.ticket?.item.title,
        message: checkIn.message,
        ticketId: checkIn.ticket?.id,
      });
    } catch (error) {
      if (!(error instanceof NetworkError)) return answerProblem(error);
      setOnline(false);
    }
  }
  await decideHere(attempt);
}

async function decideHere(attempt) {
  if (!state.manifest) return answerProblem(new Error(t('door-page-offline')));
  const ticket = await verifyCode(attempt.code, JSON.parse(state.manifest.jwks));
  const decision = decideOffline({
    ticket,
    manifest: state.manifest,
    itemId: state.itemId,
    now: new Date(),
    admittedHere: state.admittedHere,
    admittedCount: (item) =>
      (state.attendance?.itemId === item.id ? inside(state.attendance) : 0) +
      state.pending.filter((scan) => scan.itemId === item.id && scan.outcome === 'ADMITTED').length,
  });
  const scan = { ...attempt, ticketId: ticket?.ticketId ?? null, itemId: decision.item?.id ?? null, outcome: decision.outcome };
  await keepScan(scan);
  state.pending.push(scan);
  if (decision.outcome === 'ADMITTED') state.admittedHere.set(scan.ticketId, { at: scan.scannedAt, gate: scan.gate });
  renderStatus();
  const item = decision.item;
  const zone = item?.festival.timezone ?? 'UTC';
  answer({
    outcome: decision.outcome,
    title: item?.title,
    message: t(decision.sentence, {
      title: item?.title ?? '',
      venue: state.venue.name,
      gate: decision.gate ?? '',
      people: state.manifest.venue.capacity,
      ...(decision.moment ? momentArgs(new Date(decision.moment), zone) : {}),
    }),
    offlineScan: scan,
  });
}

function knowCheckedIn(ticketId, checkedIn) {
  const list = state.manifest?.checkedInTicketIds;
  if (!list) return;
  const at = list.indexOf(ticketId);
  if (checkedIn && at < 0) list.push(ticketId);
  if (!checkedIn && at >= 0) list.splice(at, 1);
}

// --- The answer ----------------------------------------------------------------

function outcomeLabel(outcome) {
  return t(`door-outcome-${outcome.toLowerCase().replaceAll('_', '-')}`);
}

function answer(shown) {
  state.lastAnswer = shown;
  const colour = shown.colour ?? COLOURS[shown.outcome] ?? 'red';
  const element = $('answer');
  element.dataset.outcome = shown.outcome;
  element.dataset.colour = colour;
  element.dataset.answers = String(Number(element.dataset.answers) + 1);
  renderAnswer();
  element.hidden = false;
  signal(colour === 'neutral' ? 'green' : colour);
  clearTimeout(state.answerTimer);
  state.answerTimer = setTimeout(dismiss, SHOWN_MS[colour]);
}

function renderAnswer() {
  const shown = state.lastAnswer;
  if (!shown) return;
  $('answer-outcome').textContent = shown.label ?? outcomeLabel(shown.outcome);
  $('answer-holder').textContent = shown.holder ?? '';
  $('answer-item').textContent = shown.title ?? '';
  $('answer-message').textContent = shown.message ?? '';
  $('answer-offline').hidden = !shown.offlineScan;
  $('undo').hidden = shown.outcome !== 'ADMITTED' || shown.undone;
}

function answerProblem(error) {
  answer({ outcome: 'ERROR', colour: 'red', label: t('door-page-error', { message: '' }).replace(/[:：]\s*$/, ''), message: error.message });
}

function dismiss() {
  clearTimeout(state.answerTimer);
  $('answer').hidden = true;
}

async function undo(event) {
  event.stopPropagation();
  const shown = state.lastAnswer;
  clearTimeout(state.answerTimer);
  try {
    if (shown.offlineScan) {
      await dropScans([shown.offlineScan.clientScanId]);
      state.pending = state.pending.filter((scan) => scan.clientScanId !== shown.offlineScan.clientScanId);
      state.admittedHere.delete(shown.offlineScan.ticketId);
      renderStatus();
    } else {
      await state.api.request(UNDO, { ticketId: shown.ticketId }, { timeout: ONLINE_ANSWER_MS });
      knowCheckedIn(shown.ticketId, false);
    }
    answer({ ...shown, colour: 'neutral', undone: true, message: t('door-page-undone') });
  } catch (error) {
    answerProblem(error);
  }
}

// --- The standby line -------------------------------------------------------------

function freshStandby(itemId) {
  return { itemId, line: [], loading: false, again: false, called: null, calls: 0, walkUp: null, countEdited: false };
}

/// The line shown is the counted item's; another item starts afresh (its
/// attendance subscription reads the line).
function watchStandby(item) {
  const itemId = item?.id ?? null;
  if (state.standby.itemId !== itemId) {
    state.standby = freshStandby(itemId);
    $('standby-problem').hidden = true;
  }
  renderStandby();
}

/// Reads the waiting places again; a read asked for while one is under
/// way follows it.
async function loadLine() {
  const standby = state.standby;
  if (!standby.itemId || !state.online) return;
  if (standby.loading) {
    standby.again = true;
    return;
  }
  standby.loading = true;
  try {
    do {
      standby.again = false;
      const { standbyLine } = await state.api.request(STANDBY_LINE, { itemId: standby.itemId });
      if (state.standby !== standby) return;
      standby.line = standbyLine;
    } while (standby.again);
    renderStandby();
  } catch (error) {
    standbyProblem(error);
  } finally {
    standby.loading = false;
  }
}

/// What the line allows now: taking places from its opening, calling
/// from the doors' opening, both until late entry closes.
function standbyWindow(item, now = new Date()) {
  const at = (time) => (time ? new Date(time) : null);
  const opens = at(item.standbyOpensAt);
  if (!state.online) return { sentence: 'door-page-standby-offline' };
  if (item.status === 'CANCELLED') return { sentence: 'door-item-cancelled' };
  if (opens && now < opens) return { sentence: 'door-page-standby-opens', moment: opens };
  if (now > at(item.lateEntryUntil)) return { sentence: 'door-page-standby-closed', moment: at(item.lateEntryUntil) };
  if (now < at(item.doorsOpenAt)) return { sentence: 'door-page-standby-call-from', moment: at(item.doorsOpenAt), join: true };
  return { join: true, call: true };
}

/// How many of the first waiting places fit in `room`, taken as
/// callStandby takes them: a pair that does not fit is passed over for a
/// single behind it.
function placesThatFit(line, room) {
  let fit = 0;
  for (const place of line) {
    if (place.quantity > room) continue;
    room -= place.quantity;
    fit += 1;
  }
  return fit;
}

function renderStandby() {
  const panel = $('standby');
  const item = countedItem();
  panel.hidden = !item || state.standby.itemId !== item.id;
  if (panel.hidden) return;
  const { line } = state.standby;
  const attendance = state.attendance?.itemId === item.id ? state.attendance : null;
  const room = attendance ? attendance.standbyPlaces : null;
  panel.dataset.standbyPlaces = room === null ? '' : String(room);
  panel.dataset.standbyWaiting = String(line.length);
  $('standby-places').textContent = room === null ? '' : t('door-page-standby-places', { places: room });

  const allowed = standbyWindow(item);
  const when = $('standby-when');
  when.hidden = !allowed.sentence;
  if (allowed.sentence) {
    when.textContent = t(allowed.sentence, {
      title: item.title,
      ...(allowed.moment ? momentArgs(allowed.moment, item.festival.timezone) : {}),
    });
  }

  const fit = room === null ? Math.min(line.length, 1) : placesThatFit(line, room);
  const count = $('standby-count');
  if (!state.standby.countEdited) count.value = String(Math.max(fit, 1));
  count.max = String(Math.max(1, Math.min(100, line.length)));
  count.disabled = !allowed.call || line.length === 0;
  $('standby-call-button').disabled = count.disabled || fit === 0;
  $('standby-fit').textContent = allowed.call && line.length > 0 ? t('door-page-standby-fit', { fit, waiting: line.length }) : '';
  for (const field of $('walk-up').elements) field.disabled = !allowed.join;

  $('standby-waiting-title').textContent = t('door-page-standby-waiting', {
    places: line.length,
    people: line.reduce((sum, place) => sum + place.quantity, 0),
  });
  $('standby-line').replaceChildren(...line.map(placeLine));
  renderCalled();
  renderWalkUp();
}

/// A place as door staff read it: its number, name, people, and how it came.
function placeLine(place) {
  const line = document.createElement('li');
  line.dataset.placeId = place.id;
  line.dataset.number = String(place.number);
  const part = (className, text) => {
    const element = document.createElement('span');
    element.className = className;
    element.textContent = text;
    line.append(element);
  };
  part('number', String(place.number));
  part('name', place.name);
  part('people', t('door-page-standby-people', { people: place.quantity }));
  part('how', t(place.walkUp ? 'door-page-standby-walk-up-tag' : 'door-page-standby-online-tag'));
  return line;
}

function renderCalled() {
  const { called, calls } = state.standby;
  const panel = $('standby');
  panel.dataset.standbyCalled = (called ?? []).map((place) => place.number).join(',');
  panel.dataset.standbyCalls = String(calls);
  $('standby-called').hidden = called === null;
  if (called === null) return;
  $('standby-called-title').textContent =
    called.length === 0
      ? t('door-page-standby-none-called')
      : t('door-page-standby-called', {
          places: called.length,
          people: called.reduce((sum, place) => sum + place.quantity, 0),
        });
  $('standby-called-list').replaceChildren(...called.map(placeLine));
}

function renderWalkUp() {
  const given = state.standby.walkUp;
  $('standby').dataset.walkUpNumber = given ? String(given.number) : '';
  $('walk-up-given').hidden = !given;
  if (!given) return;
  $('walk-up-number').textContent = String(given.number);
  $('walk-up-who').textContent = `${given.name} · ${t('door-page-standby-people', { people: given.quantity })}`;
}

/// A refusal is shown until the next attempt; no answer puts the page
/// offline, which the panel says by itself.
function standbyProblem(error) {
  if (error instanceof NetworkError) return setOnline(false);
  problem('standby-problem', t('door-page-error', { message: error.message }));
}

/// Runs `action` with the form's button held down, so that a second tap
/// does not take a second place or call twice.
async function holding(form, action) {
  const button = form.querySelector('button[type=submit]');
  if (button.dataset.busy === 'true') return;
  button.dataset.busy = 'true';
  button.disabled = true;
  $('standby-problem').hidden = true;
  try {
    await action();
  } catch (error) {
    standbyProblem(error);
  } finally {
    button.dataset.busy = 'false';
    button.disabled = false;
    renderStandby();
    // A keyboard-wedge scanner types into the page again, not into the form.
    document.activeElement?.blur();
  }
}

function addWalkUp(event) {
  event.preventDefault();
  const form = event.target;
  const standby = state.standby;
  return holding(form, async () => {
    const { addStandbyWalkUp } = await state.api.request(WALK_UP, {
      input: {
        itemId: standby.itemId,
        name: form.elements.name.value.trim(),
        quantity: Number(form.elements.quantity.value),
      },
    });
    if (state.standby !== standby) return;
    standby.walkUp = addStandbyWalkUp;
    form.reset();
    loadLine();
  });
}

function callLine(event) {
  event.preventDefault();
  const form = event.target;
  const standby = state.standby;
  return holding(form, async () => {
    const { callStandby } = await state.api.request(CALL, {
      input: { itemId: standby.itemId, count: Number($('standby-count').value), gate: state.gate || null },
    });
    if (state.standby !== standby) return;
    const called = new Set(callStandby.map((place) => place.id));
    standby.line = standby.line.filter((place) => !called.has(place.id));
    standby.called = callStandby;
    standby.calls += 1;
    standby.countEdited = false;
    if (callStandby.length > 0) signal('green');
    loadLine();
  });
}

// --- Offline scans back to the server -------------------------------------------

async function sync() {
  if (state.syncing || state.pending.length === 0) return;
  state.syncing = true;
  try {
    for (let batch = state.pending.slice(0, SYNC_BATCH); batch.length > 0; batch = state.pending.slice(0, SYNC_BATCH)) {
      const { syncOfflineScans } = await state.api.request(SYNC, {
        scans: batch.map(({ clientScanId, code, gate, scannedAt, venueId }) => ({ clientScanId, code, gate, scannedAt, venueId })),
      });
      setOnline(true);
      const decidedHere = new Map(batch.map((scan) => [scan.clientScanId, scan.outcome]));
      for (const { clientScanId, result } of syncOfflineScans) {
        if (result.outcome === 'ADMITTED') knowCheckedIn(result.ticket.id, true);
        const here = decidedHere.get(clientScanId);
        // What staff must hear of: someone let in who should not have
        // been, or turned away who could have come in.
        if (here !== result.outcome && (here === 'ADMITTED' || result.outcome === 'ADMITTED')) {
          state.conflicts.push({ outcome: result.outcome, holder: result.ticket?.holderName ?? '', message: result.message });
        }
      }
      const synced = new Set(batch.map((scan) => scan.clientScanId));
      await dropScans([...synced]);
      state.pending = state.pending.filter((scan) => !synced.has(scan.clientScanId));
      store('usher.door.conflicts', state.conflicts);
    }
    if (state.manifest) await saveManifest(state.manifest);
  } catch (error) {
    if (error instanceof NetworkError) setOnline(false);
    else problem('camera-problem', t('door-page-error', { message: error.message }));
  } finally {
    state.syncing = false;
    renderStatus();
    renderConflicts();
  }
}

function renderConflicts() {
  $('conflicts').hidden = state.conflicts.length === 0;
  $('conflict-list').replaceChildren(
    ...state.conflicts.map((conflict) => {
      const line = document.createElement('li');
      line.textContent = `${outcomeLabel(conflict.outcome)} · ${conflict.holder} · ${conflict.message}`;
      return line;
    }),
  );
}

async function heartbeat() {
  if (!state.venue) return;
  if (state.pending.length > 0) return sync();
  if (!state.online) {
    try {
      await state.api.request('{ __typename }', {}, { timeout: ONLINE_ANSWER_MS });
      setOnline(true);
    } catch {
      // Still offline.
    }
  }
}

// --- Languages and start-up ----------------------------------------------------------

async function switchLanguage(tag) {
  chooseLanguage(tag);
  state.translator = await Translator.load(tag, ['door']);
  state.translator.translate(document);
  renderStatus();
  renderConflicts();
  renderAnswer();
  if (state.venue) renderWhere();
}

async function main() {
  navigator.serviceWorker?.register('/app-sw.js?app=door', { scope: '/door' }).catch(() => {});
  state.translator = await Translator.load(preferredLanguage(), ['door']);
  const languages = $('language');
  languages.replaceChildren(...LANGUAGES.map(({ tag, name }) => new Option(name, tag)));
  languages.value = state.translator.tag;
  state.translator.translate(document);

  const pairing = new URLSearchParams(location.hash.slice(1)).get('pair');
  if (pairing) {
    state.credentials.save({ scanner: pairing });
    localStorage.removeItem('usher.door.venue');
    history.replaceState(null, '', location.pathname);
  }
  state.api = new Api(state.credentials, () => state.translator.tag);
  state.camera = new Camera($('camera'), seenByCamera);

  languages.addEventListener('change', () => switchLanguage(languages.value));
  $('sign-in').addEventListener('submit', signIn);
  $('unpair').addEventListener('click', unpair);
  $('start-camera').addEventListener('click', () => {
    allowSound();
    startCamera();
  });
  $('manual').addEventListener('submit', (event) => {
    event.preventDefault();
    allowSound();
    scan($('code').value);
    $('code').value = '';
    $('code').blur();
  });
  $('item').addEventListener('change', () => {
    state.itemId = $('item').value;
    state.itemChosen = true;
    subscribeCounter();
  });
  $('gate').addEventListener('change', () => {
    state.gate = $('gate').value;
    localStorage.setItem('usher.door.gate', state.gate);
  });
  $('walk-up').addEventListener('submit', addWalkUp);
  $('standby-call').addEventListener('submit', callLine);
  $('standby-count').addEventListener('input', () => {
    state.standby.countEdited = true;
  });
  $('answer').addEventListener('click', dismiss);
  $('undo').addEventListener('click', undo);
  $('clear-conflicts').addEventListener('click', () => {
    state.conflicts = [];
    store('usher.door.conflicts', []);
    renderConflicts();
  });
  document.addEventListener('keydown', (event) => {
    allowSound();
    wedgeKey(event);
  });
  document.addEventListener('pointerdown', allowSound, { once: true });
  addEventListener('online', heartbeat);
  addEventListener('offline', () => setOnline(false));
  setInterval(heartbeat, HEARTBEAT_MS);
  setInterval(() => state.online && refreshManifest(), MANIFEST_EVERY_MS);
  // Doors open and close while the page stays open.
  setInterval(() => state.venue && !state.itemChosen && renderWhere(), 60 * 1000);
  // The standby line opens, and calling starts, while the page stays open.
  setInterval(() => state.venue && renderStandby(), 20 * 1000);

  await enter();
}

main();
