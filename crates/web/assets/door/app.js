// The door app: pairs a phone (or signs in door staff), reads ticket codes
// from the camera, a keyboard-wedge scanner or the keyboard, and answers
// each in a blink, online through checkIn or offline from the manifest.
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
    items { id title status startsAt doorsOpenAt lateEntryUntil releaseAt festival { timezone } }
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
  attendanceChanged(itemId: $itemId) { checkedIn venueCapacity }
}`;

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
};

const t = (id, args) => state.translator.t(id, args);

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  root.dataset.online = String(online);
  renderStatus();
  if (online) refreshManifest().then(sync);
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
    admitted: state.attendance.checkedIn + offline,
    capacity: state.attendance.venueCapacity,
  });
}

function subscribeCounter() {
  const item = countedItem();
  if (state.attendance?.itemId === item?.id && state.unsubscribe) return renderCounter();
  state.unsubscribe?.();
  state.unsubscribe = null;
  state.attendance = null;
  renderCounter();
  if (!item) return;
  state.unsubscribe = state.api.subscribe(ATTENDANCE, { itemId: item.id }, ({ attendanceChanged }) => {
    state.attendance = { itemId: item.id, ...attendanceChanged };
    renderCounter();
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
      (state.attendance?.itemId === item.id ? state.attendance.checkedIn : 0) +
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

  await enter();
}

main();
