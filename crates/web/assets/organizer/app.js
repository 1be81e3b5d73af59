// The organizer console: signs an organizer in, lets them choose one of
// their festivals, and switches between its screens (dashboard, set-up,
// scanner devices, scan log, attendees), each a module of its own. Every request goes
// through common/api.js, as any other client's would.
import { Api, ApiError, Credentials, NetworkError } from '/common/api.js';
import { LANGUAGES, Translator, chooseLanguage, preferredLanguage } from '/common/i18n.js';
import { Attendees } from '/organizer/attendees.js';
import { Dashboard } from '/organizer/dashboard.js';
import { Scanners } from '/organizer/scanners.js';
import { Scans } from '/organizer/scans.js';
import { Setup } from '/organizer/setup.js';
import { $, h } from '/organizer/ui.js';

/// The door's file gives the scans' outcomes their names.
const FILES = ['organizer', 'door'];
const FESTIVAL_KEY = 'usher.organizer.festival';
/// A cheap request this often keeps the session's access token fresh, so
/// that the live socket reconnects with a good one.
const KEEP_ALIVE_MS = 60 * 1000;

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken }
}`;
const LOGOUT = 'mutation Logout($refreshToken: String!) { logout(refreshToken: $refreshToken) }';
const FESTIVAL_FIELDS = 'id name slug city timezone';
const ME = `query { me { id displayName email roles { role festival { ${FESTIVAL_FIELDS} } } } }`;
const ALL_FESTIVALS = `query { festivals { ${FESTIVAL_FIELDS} } }`;

const root = document.documentElement;

/// What the screens share: the API, the sentences, the festival chosen,
/// and how to tell the organizer something.
const context = {
  credentials: new Credentials('usher.organizer.credentials'),
  api: null,
  translator: null,
  me: null,
  isAdmin: false,
  festival: null,
  t: (id, args) => context.translator.t(id, args),
  get tag() {
    return context.translator.tag;
  },
  /// An API refusal, or any failure, as a sentence in the page's language.
  sentence(error) {
    if (error instanceof NetworkError) return context.t('organizer-error-network');
    if (error instanceof ApiError && error.code) {
      const id = `organizer-error-${error.code.toLowerCase().replaceAll('_', '-')}`;
      const said = context.t(id, { message: error.message });
      if (said !== id) return said;
    }
    return context.t('organizer-error-other', { message: error?.message ?? String(error) });
  },
  report(error) {
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED' && !context.credentials.present) {
      return signedOut('organizer-error-session-ended');
    }
    const problem = $('problem');
    problem.textContent = context.sentence(error);
    problem.dataset.code = error?.code ?? (error instanceof NetworkError ? 'NETWORK' : 'ERROR');
    problem.hidden = false;
    $('notice').hidden = true;
  },
  notify(text) {
    $('problem').hidden = true;
    $('notice').textContent = text;
    $('notice').hidden = false;
  },
  clearMessages() {
    $('problem').hidden = true;
    $('notice').hidden = true;
  },
  /// Runs `action`, reporting its failure; its value, or undefined.
  async attempt(action) {
    try {
      return await action();
    } catch (error) {
      context.report(error);
      return undefined;
    }
  },
};

const screens = {
  dashboard: new Dashboard(context),
  setup: new Setup(context),
  scanners: new Scanners(context),
  scans: new Scans(context),
  attendees: new Attendees(context),
};
let current = null;

function showView(view) {
  root.dataset.view = view;
  for (const section of document.querySelectorAll('main > .view')) {
    section.hidden = section.id !== `view-${view}`;
  }
  document.addEventListener('organizer:scans', (event) => {
    screens.scans.itemId = event.detail.itemId;
    context.attempt(() => openScreen('scans'));
  });
  for (const tab of $('tabs').querySelectorAll('button')) {
    tab.setAttribute('aria-current', tab.dataset.view === view ? 'page' : 'false');
  }
}

async function openScreen(name) {
  if (current && current !== screens[name]) current.leave?.();
  current = screens[name];
  context.clearMessages();
  showView(name);
  await current.enter();
}

function renderChrome() {
  const signedIn = context.credentials.present && context.me;
  root.dataset.signedIn = String(Boolean(signedIn));
  $('sign-out').hidden = !signedIn;
  $('who').textContent = signedIn ? context.me.displayName : '';
  $('tabs').hidden = !context.festival;
  $('festival-name').hidden = !context.festival;
  $('festival-name').textContent = context.festival?.name ?? '';
  $('festival-name').title = context.t('organizer-change-festival');
  document.title = context.festival
    ? `${context.festival.name} · ${context.t('organizer-title')}`
    : context.t('organizer-title');
}

// --- Who: signing in and out, the festival --------------------------------------

async function enter() {
  if (!context.credentials.present) return signedOut();
  try {
    const { me } = await context.api.request(ME);
    if (!me) return signedOut('organizer-error-session-ended');
    context.me = me;
    context.isAdmin = me.roles.some((grant) => grant.role === 'ADMIN');
    await chooseFestival();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return signedOut('organizer-error-session-ended');
    showView('sign-in');
    context.report(error);
  }
}

function signedOut(sentence) {
  context.credentials.clear();
  context.me = null;
  context.festival = null;
  current?.leave?.();
  current = null;
  root.dataset.festival = '';
  renderChrome();
  showView('sign-in');
  if (sentence) context.report(new Error(context.t(sentence)));
  else context.clearMessages();
}

async function festivalsOf() {
  const organized = context.me.roles
    .filter((grant) => ['ORGANIZER', 'ADMIN'].includes(grant.role) && grant.festival)
    .map((grant) => grant.festival);
  let festivals = organized;
  if (context.isAdmin) {
    const { festivals: all } = await context.api.request(ALL_FESTIVALS);
    festivals = festivals.concat(all);
  }
  return [...new Map(festivals.map((festival) => [festival.id, festival])).values()];
}

async function chooseFestival({ again = false } = {}) {
  const festivals = await festivalsOf();
  const remembered = localStorage.getItem(FESTIVAL_KEY);
  const chosen = festivals.find((festival) => festival.id === remembered);
  if (!again && chosen) return openFestival(chosen);
  if (!again && festivals.length === 1) return openFestival(festivals[0]);
  current?.leave?.();
  current = null;
  context.festival = null;
  root.dataset.festival = '';
  renderChrome();
  $('no-festivals').hidden = festivals.length > 0;
  $('festival-list').replaceChildren(
    ...festivals.map((festival) =>
      h(
        'button',
        { type: 'button', 'data-festival-id': festival.id, onclick: () => openFestival(festival) },
        h('strong', {}, festival.name),
        h('span', { class: 'hint' }, `${festival.city} · ${festival.timezone}`),
      ),
    ),
  );
  showView('festivals');
}

async function openFestival(festival) {
  context.festival = festival;
  localStorage.setItem(FESTIVAL_KEY, festival.id);
  root.dataset.festival = festival.id;
  renderChrome();
  await openScreen('dashboard');
}

async function signIn(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  context.clearMessages();
  try {
    const { login } = await context.api.request(LOGIN, {
      input: { email: form.get('email'), password: form.get('password') },
    });
    context.credentials.save(login);
    event.target.reset();
    await enter();
  } catch (error) {
    context.report(error);
  }
}

function signOut() {
  const refreshToken = context.credentials.value?.refreshToken;
  if (refreshToken) context.api.request(LOGOUT, { refreshToken }).catch(() => {});
  localStorage.removeItem(FESTIVAL_KEY);
  signedOut();
}

// --- Languages and start-up ----------------------------------------------------------

async function switchLanguage(tag) {
  chooseLanguage(tag);
  context.translator = await Translator.load(tag, FILES);
  context.translator.translate(document);
  root.dataset.language = tag;
  renderChrome();
  current?.render?.();
}

async function main() {
  context.translator = await Translator.load(preferredLanguage(), FILES);
  root.dataset.language = context.translator.tag;
  const languages = $('language');
  languages.replaceChildren(...LANGUAGES.map(({ tag, name }) => new Option(name, tag)));
  languages.value = context.translator.tag;
  context.translator.translate(document);
  context.api = new Api(context.credentials, () => context.translator.tag);

  languages.addEventListener('change', () => switchLanguage(languages.value));
  $('sign-in').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('festival-name').addEventListener('click', () => context.attempt(() => chooseFestival({ again: true })));
  document.addEventListener('organizer:scans', (event) => {
    screens.scans.itemId = event.detail.itemId;
    context.attempt(() => openScreen('scans'));
  });
  for (const tab of $('tabs').querySelectorAll('button')) {
    tab.addEventListener('click', () => context.attempt(() => openScreen(tab.dataset.view)));
  }
  setInterval(() => {
    if (context.credentials.present && context.me) context.api.request('query { me { id } }').catch(() => {});
  }, KEEP_ALIVE_MS);
  renderChrome();
  await enter();
}

main();
