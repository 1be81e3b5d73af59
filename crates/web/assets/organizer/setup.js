// Setting the festival up: venues (with gates), films and programme items,
// created and edited (first come, first served or by ballot); an item cancelled after a confirmation that says how
// many tickets go with it; who holds which role, each grant taken back from
// its line, and roles granted by e-mail; the festival's no-show policy.
import { $, confirmAction, formatTime, fromLocalInput, h, splitList, toLocalInput } from '/organizer/ui.js';

const VENUE_FIELDS = 'id name address capacity gates';
const FILM_FIELDS = 'id title originalTitle countries languages runtimeMinutes director';
const ITEM_FIELDS = `id title kind status startsAt endsAt ticketCapacity maxTicketsPerAttendee requiresSettledAccount
  reservationOpensAt reservationClosesAt doorsOpenMinutes lateEntryMinutes waitlistLength
  standbyOpensMinutes releaseUnscannedMinutes allocation ballotOpensAt ballotClosesAt claimMinutes ballotDrawnAt
  venue { id name } film { ${FILM_FIELDS} } attendance { issued }`;
const POLICY_FIELDS = 'noShowLimit noShowBlockDays cancelWithoutPenaltyMinutes';
const FESTIVAL = `query Festival($id: ID!, $after: String) {
  festival(id: $id) {
    ${POLICY_FIELDS}
    venues { ${VENUE_FIELDS} }
    films { ${FILM_FIELDS} }
    programme(first: 200, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${ITEM_FIELDS} } } }
  }
}`;
const CREATE_VENUE = `mutation($input: CreateVenueInput!) { createVenue(input: $input) { ${VENUE_FIELDS} } }`;
const UPDATE_VENUE = `mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { ${VENUE_FIELDS} } }`;
const CREATE_FILM = `mutation($input: CreateFilmInput!) { createFilm(input: $input) { ${FILM_FIELDS} } }`;
const UPDATE_FILM = `mutation($input: UpdateFilmInput!) { updateFilm(input: $input) { ${FILM_FIELDS} } }`;
const CREATE_ITEM = `mutation($input: CreateItemInput!) { createItem(input: $input) { ${ITEM_FIELDS} } }`;
const UPDATE_ITEM = `mutation($input: UpdateItemInput!) { updateItem(input: $input) { ${ITEM_FIELDS} } }`;
const UPDATE_FESTIVAL = `mutation($input: UpdateFestivalInput!) { updateFestival(input: $input) { ${POLICY_FIELDS} } }`;
const ITEM_TICKETS = 'query($id: ID!) { item(id: $id) { id title status attendance { issued } waitlistLength } }';
const CANCEL_ITEM = 'mutation($itemId: ID!) { cancelItem(itemId: $itemId) { id status } }';
const USER_FIELDS = 'email displayName roles { role festival { id name } venue { id name } }';
const GRANT = `mutation($input: GrantRoleInput!) { grantRole(input: $input) { ${USER_FIELDS} } }`;
const REVOKE = `mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { ${USER_FIELDS} } }`;
const HOLDERS = `query Holders($id: ID!) {
  festival(id: $id) { roleHolders { userId email displayName role venue { id name } } }
}`;

const ROLE_DONE = { grant: 'organizer-role-granted', revoke: 'organizer-role-revoked' };

const number = (value) => (value === '' || value === null ? null : Number(value));

export class Setup {
  constructor(context) {
    this.context = context;
    this.venues = [];
    this.films = [];
    this.items = [];
    this.holders = [];
    this.roleResults = [];
    this.policy = null;
    /// The item the form edits; null for a new one.
    this.editing = null;
    $('policy-form').addEventListener('submit', (event) => this.savePolicy(event));
    $('venue-form').addEventListener('submit', (event) => this.saveVenue(event));
    $('venue-reset').addEventListener('click', () => this.editVenue(null));
    $('film-form').addEventListener('submit', (event) => this.saveFilm(event));
    $('film-reset').addEventListener('click', () => this.editFilm(null));
    $('item-form').addEventListener('submit', (event) => this.saveItem(event));
    $('item-reset').addEventListener('click', () => this.editItem(null));
    $('item-form').elements.allocation.addEventListener('change', () => this.renderAllocation());
    $('role-form').addEventListener('submit', (event) => this.changeRole(event));
    $('role-form').elements.role.addEventListener('change', () => this.renderRoleForm());
  }

  get festival() {
    return this.context.festival;
  }

  async enter() {
    this.roleResults = [];
    this.editVenue(null);
    this.editFilm(null);
    this.editItem(null);
    $('role-form').reset();
    await this.load();
  }

  async load() {
    const festival = this.festival;
    const [{ venues, films, items, policy }, holders] = await Promise.all([this.fetchFestival(), this.fetchHolders()]);
    if (festival !== this.festival) return;
    this.showPolicy(policy);
    this.venues = venues;
    this.items = items;
    this.films = films;
    this.holders = holders;
    this.render();
  }

  /// The festival's venues, films (by title) and every programme item.
  async fetchFestival() {
    const { id } = this.festival;
    let after = null;
    const items = [];
    let venues = [];
    let films = [];
    let policy = null;
    do {
      const data = await this.context.api.request(FESTIVAL, { id, after });
      const { noShowLimit, noShowBlockDays, cancelWithoutPenaltyMinutes } = data.festival;
      policy = { noShowLimit, noShowBlockDays, cancelWithoutPenaltyMinutes };
      venues = data.festival.venues;
      films = data.festival.films;
      const page = data.festival.programme;
      items.push(...page.edges.map((edge) => edge.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return { venues, films, items, policy };
  }

  /// Who holds a role in the festival, as the server lists them.
  async fetchHolders() {
    const data = await this.context.api.request(HOLDERS, { id: this.festival.id });
    return data.festival.roleHolders;
  }

  /// Reads the holders again, after a grant or a revocation.
  async reloadHolders() {
    const festival = this.festival;
    const holders = await this.fetchHolders();
    if (festival !== this.festival) return;
    this.holders = holders;
    this.renderHolders();
  }

  // --- Drawing ----------------------------------------------------------------------

  render() {
    const { t, tag } = this.context;
    const zone = this.festival.timezone;
    $('setup-zone').textContent = t('organizer-times-in', { zone });
    $('venue-list').replaceChildren(
      ...this.venues.map((venue) =>
        h(
          'li',
          { 'data-venue-id': venue.id },
          h('span', {}, h('strong', {}, venue.name), ' ',
            h('span', { class: 'hint' }, t('organizer-venue-summary', { capacity: venue.capacity, gates: venue.gates.join(', ') || '–' }))),
          h('button', { type: 'button', class: 'small', 'data-action': 'edit', onclick: () => this.editVenue(venue) }, t('organizer-edit')),
        ),
      ),
    );
    $('film-list').replaceChildren(
      ...this.films.map((film) =>
        h(
          'li',
          { 'data-film-id': film.id, 'data-title': film.title },
          h('span', {}, h('strong', {}, film.title), ' ',
            h('span', { class: 'hint' }, [film.countries.join(', '), film.runtimeMinutes ? t('organizer-minutes', { minutes: film.runtimeMinutes }) : null]
              .filter(Boolean).join(' · '))),
          h('button', { type: 'button', class: 'small', 'data-action': 'edit', onclick: () => this.editFilm(film) }, t('organizer-edit')),
        ),
      ),
    );
    $('programme-rows').replaceChildren(
      ...this.items.map((item) =>
        h(
          'tr',
          { 'data-item-id': item.id, 'data-status': item.status, 'data-title': item.title, 'data-allocation': item.allocation },
          h('td', { class: 'time' }, formatTime(item.startsAt, zone, tag, { day: true, weekday: true })),
          h('td', { class: 'title' }, item.title,
            item.allocation === 'BALLOT' ? h('span', { class: 'tag' }, t('organizer-allocation-ballot')) : null),
          h('td', {}, item.venue.name),
          h('td', {}, h('span', { class: `status status-${item.status.toLowerCase()}` }, t(`organizer-status-${item.status.toLowerCase().replaceAll('_', '-')}`))),
          h('td', { class: 'number' }, String(item.attendance?.issued ?? '–')),
          h('td', { class: 'actions' },
            h('button', { type: 'button', class: 'small', 'data-action': 'edit', onclick: () => this.editItem(item) }, t('organizer-edit')),
            item.status === 'CANCELLED'
              ? null
              : h('button', { type: 'button', class: 'small danger', 'data-action': 'cancel', onclick: () => this.cancelItem(item) }, t('organizer-cancel-item')),
          ),
        ),
      ),
    );
    $('programme-table').dataset.count = String(this.items.length);
    this.renderChoices();
    this.renderAllocation();
    this.renderHolders();
    this.renderRoleResults();
    this.renderRoleForm();
  }

  /// The venues and films the item and role forms offer.
  renderChoices() {
    const { t } = this.context;
    const form = $('item-form');
    const keep = (select, options) => {
      const value = select.value;
      select.replaceChildren(...options);
      if ([...select.options].some((option) => option.value === value)) select.value = value;
    };
    keep(form.elements.venueId, this.venues.map((venue) => new Option(venue.name, venue.id)));
    keep(form.elements.filmId, [new Option(t('organizer-no-film'), ''), ...this.films.map((film) => new Option(film.title, film.id))]);
    keep($('role-form').elements.venueId, [
      new Option(t('organizer-every-venue'), ''),
      ...this.venues.map((venue) => new Option(venue.name, venue.id)),
    ]);
  }

  renderRoleForm() {
    const form = $('role-form');
    form.querySelector('[data-admin-only]').hidden = !this.context.isAdmin;
    form.querySelector('[data-admin-only]').disabled = !this.context.isAdmin;
    form.elements.venueId.disabled = form.elements.role.value !== 'DOOR_STAFF';
  }

  renderHolders() {
    const { t } = this.context;
    $('role-holders').replaceChildren(
      ...this.holders.map((holder) =>
        h(
          'li',
          {
            'data-user-id': holder.userId,
            'data-email': holder.email,
            'data-role': holder.role,
            'data-venue-id': holder.venue?.id ?? '',
          },
          h('span', {}, h('strong', {}, holder.displayName), ' ',
            h('span', { class: 'hint' }, holder.email), ' · ',
            [this.roleName(holder.role), holder.venue?.name].filter(Boolean).join(' · ')),
          h('button', { type: 'button', class: 'small danger', 'data-action': 'revoke', onclick: () => this.revokeHolder(holder) }, t('organizer-revoke')),
        ),
      ),
    );
    $('role-holders').dataset.count = String(this.holders.length);
    $('role-holders-empty').hidden = this.holders.length > 0;
  }

  renderRoleResults() {
    const { t } = this.context;
    $('role-results').replaceChildren(
      ...this.roleResults.map((result) =>
        h(
          'li',
          { 'data-email': result.email, 'data-action': result.action, 'data-role': result.role },
          t(ROLE_DONE[result.action], { email: result.email, role: this.roleName(result.role) }),
          ' ',
          h('span', { class: 'hint' }, t('organizer-role-now', { roles: this.describeRoles(result.user) })),
        ),
      ),
    );
    $('role-results').dataset.count = String(this.roleResults.length);
  }

  roleName(role) {
    return this.context.t(`organizer-role-${role.toLowerCase().replaceAll('_', '-')}`);
  }

  describeRoles(user) {
    const granted = user.roles.filter((grant) => grant.role !== 'ATTENDEE');
    if (granted.length === 0) return this.context.t('organizer-role-none');
    return granted
      .map((grant) => [this.roleName(grant.role), grant.festival?.name, grant.venue?.name].filter(Boolean).join(' · '))
      .join('; ');
  }

  // --- Venues -----------------------------------------------------------------------

  editVenue(venue) {
    const form = $('venue-form');
    form.reset();
    form.dataset.mode = venue ? 'edit' : 'create';
    form.elements.venueId.value = venue?.id ?? '';
    if (venue) {
      form.elements.name.value = venue.name;
      form.elements.address.value = venue.address;
      form.elements.capacity.value = venue.capacity;
      form.elements.gates.value = venue.gates.join(', ');
    }
    this.formMode('venue', venue);
  }

  /// The form's title and buttons for creating, or for editing `editing`.
  formMode(kind, editing) {
    const { t } = this.context;
    $(`${kind}-form-title`).textContent = editing
      ? t(`organizer-${kind}-edit`, { name: editing.name ?? editing.title })
      : t(`organizer-${kind}-new`);
    $(`${kind}-submit`).textContent = t(editing ? 'organizer-save' : 'organizer-create');
    $(`${kind}-reset`).hidden = !editing;
    if (editing) $(`${kind}-form`).scrollIntoView({ block: 'nearest' });
  }

  async saveVenue(event) {
    event.preventDefault();
    const form = event.target;
    const fields = {
      name: form.elements.name.value.trim(),
      address: form.elements.address.value.trim(),
      capacity: number(form.elements.capacity.value),
      gates: splitList(form.elements.gates.value),
    };
    const venueId = form.elements.venueId.value;
    const saved = await this.context.attempt(async () =>
      venueId
        ? (await this.context.api.request(UPDATE_VENUE, { input: { venueId, ...fields } })).updateVenue
        : (await this.context.api.request(CREATE_VENUE, { input: { festivalId: this.festival.id, ...fields } })).createVenue,
    );
    if (!saved) return;
    this.context.notify(this.context.t(venueId ? 'organizer-saved' : 'organizer-created', { name: saved.name }));
    this.editVenue(null);
    await this.context.attempt(() => this.load());
  }

  // --- Films ------------------------------------------------------------------------

  editFilm(film) {
    const form = $('film-form');
    form.reset();
    form.dataset.mode = film ? 'edit' : 'create';
    form.elements.filmId.value = film?.id ?? '';
    if (film) {
      form.elements.title.value = film.title;
      form.elements.originalTitle.value = film.originalTitle ?? '';
      form.elements.countries.value = film.countries.join(', ');
      form.elements.languages.value = film.languages.join(', ');
      form.elements.runtimeMinutes.value = film.runtimeMinutes ?? '';
      form.elements.director.value = film.director ?? '';
    }
    this.formMode('film', film);
  }

  async saveFilm(event) {
    event.preventDefault();
    const form = event.target;
    const optional = (value) => value.trim() || null;
    const fields = {
      title: form.elements.title.value.trim(),
      originalTitle: optional(form.elements.originalTitle.value),
      countries: splitList(form.elements.countries.value).map((code) => code.toUpperCase()),
      languages: splitList(form.elements.languages.value),
      runtimeMinutes: number(form.elements.runtimeMinutes.value),
      director: optional(form.elements.director.value),
    };
    const filmId = form.elements.filmId.value;
    const saved = await this.context.attempt(async () =>
      filmId
        ? (await this.context.api.request(UPDATE_FILM, { input: { filmId, ...fields } })).updateFilm
        : (await this.context.api.request(CREATE_FILM, { input: { festivalId: this.festival.id, ...fields } })).createFilm,
    );
    if (!saved) return;
    this.context.notify(this.context.t(filmId ? 'organizer-saved' : 'organizer-created', { name: saved.title }));
    this.editFilm(null);
    await this.context.attempt(() => this.load());
  }

  // --- Programme items --------------------------------------------------------------

  editItem(item) {
    const form = $('item-form');
    const zone = this.festival?.timezone ?? 'UTC';
    form.reset();
    form.dataset.mode = item ? 'edit' : 'create';
    form.elements.itemId.value = item?.id ?? '';
    for (const field of form.querySelectorAll('[data-create-only]')) field.disabled = Boolean(item);
    $('item-edit-hint').hidden = !item;
    if (item) {
      form.elements.kind.value = item.kind;
      form.elements.filmId.value = item.film?.id ?? '';
      form.elements.title.value = item.title;
      form.elements.venueId.value = item.venue.id;
      form.elements.startsAt.value = toLocalInput(item.startsAt, zone);
      form.elements.endsAt.value = toLocalInput(item.endsAt, zone);
      form.elements.ticketCapacity.value = item.ticketCapacity;
      form.elements.maxTicketsPerAttendee.value = item.maxTicketsPerAttendee;
      form.elements.doorsOpenMinutes.value = item.doorsOpenMinutes;
      form.elements.lateEntryMinutes.value = item.lateEntryMinutes;
      form.elements.standbyOpensMinutes.value = item.standbyOpensMinutes;
      form.elements.releaseUnscannedMinutes.value = item.releaseUnscannedMinutes ?? '';
      form.elements.reservationOpensAt.value = toLocalInput(item.reservationOpensAt, zone);
      form.elements.reservationClosesAt.value = toLocalInput(item.reservationClosesAt, zone);
      form.elements.requiresSettledAccount.checked = item.requiresSettledAccount;
      form.elements.allocation.value = item.allocation ?? 'FIRST_COME';
      form.elements.ballotOpensAt.value = toLocalInput(item.ballotOpensAt, zone);
      form.elements.ballotClosesAt.value = toLocalInput(item.ballotClosesAt, zone);
      form.elements.claimMinutes.value = item.allocation === 'BALLOT' ? item.claimMinutes ?? '' : '';
    }
    this.editing = item;
    this.renderAllocation();
    this.formMode('item', item);
  }

  /// The ballot's fields show for a ballot, and stay as they are once it is drawn.
  renderAllocation() {
    const { t, tag } = this.context;
    const form = $('item-form');
    const ballot = form.elements.allocation.value === 'BALLOT';
    const drawnAt = this.editing?.ballotDrawnAt ?? null;
    form.dataset.allocation = form.elements.allocation.value;
    form.elements.allocation.disabled = Boolean(drawnAt);
    for (const label of form.querySelectorAll('[data-ballot-field]')) {
      label.hidden = !ballot;
      const field = label.querySelector('input');
      field.disabled = !ballot || Boolean(drawnAt);
    }
    // A ballot needs its window; the claim minutes default to 60.
    form.elements.ballotOpensAt.required = ballot && !drawnAt;
    form.elements.ballotClosesAt.required = ballot && !drawnAt;
    $('ballot-hint').hidden = !ballot;
    $('ballot-drawn-hint').hidden = !drawnAt;
    $('ballot-drawn-hint').textContent = drawnAt
      ? t('organizer-ballot-drawn-fixed', { when: formatTime(drawnAt, this.festival?.timezone ?? 'UTC', tag, { day: true }) })
      : '';
  }

  async saveItem(event) {
    event.preventDefault();
    const form = event.target;
    const zone = this.festival.timezone;
    const value = (name) => form.elements[name].value;
    const itemId = value('itemId');
    const before = this.items.find((item) => item.id === itemId);
    // Left as it was, the close of reservations is not sent: the server
    // then moves it to a new release time.
    const closesKept = before && toLocalInput(before.reservationClosesAt, zone) === value('reservationClosesAt');
    const times = {
      startsAt: fromLocalInput(value('startsAt'), zone),
      endsAt: fromLocalInput(value('endsAt'), zone),
      reservationOpensAt: fromLocalInput(value('reservationOpensAt'), zone),
      reservationClosesAt: closesKept ? null : fromLocalInput(value('reservationClosesAt'), zone),
    };
    const settings = {
      ticketCapacity: number(value('ticketCapacity')),
      maxTicketsPerAttendee: number(value('maxTicketsPerAttendee')),
      requiresSettledAccount: form.elements.requiresSettledAccount.checked,
      standbyOpensMinutes: number(value('standbyOpensMinutes')),
    };
    // Absent rather than null: an empty field keeps (or defaults) its value.
    const present = (fields) => Object.fromEntries(Object.entries(fields).filter(([, field]) => field !== null));
    // Empty is "never": null clears it. Sent only when it changes, as the
    // server holds it fixed once the release has happened.
    const release = number(value('releaseUnscannedMinutes'));
    const releaseChanged = (before?.releaseUnscannedMinutes ?? null) !== release;
    const ballot = this.ballotInput(before);
    const saved = await this.context.attempt(async () => {
      if (itemId) {
        const input = {
          itemId,
          ...present(times),
          ...present(settings),
          ...(releaseChanged ? { releaseUnscannedMinutes: release } : {}),
          ...ballot,
        };
        return (await this.context.api.request(UPDATE_ITEM, { input })).updateItem;
      }
      const input = {
        festivalId: this.festival.id,
        venueId: value('venueId'),
        kind: value('kind'),
        ...present({
          filmId: value('filmId') || null,
          title: value('title').trim() || null,
          doorsOpenMinutes: number(value('doorsOpenMinutes')),
          lateEntryMinutes: number(value('lateEntryMinutes')),
          releaseUnscannedMinutes: release,
        }),
        ...present(times),
        ...present(settings),
        ...ballot,
      };
      return (await this.context.api.request(CREATE_ITEM, { input })).createItem;
    });
    if (!saved) return;
    this.context.notify(this.context.t(itemId ? 'organizer-saved' : 'organizer-created', { name: saved.title }));
    this.editItem(null);
    await this.context.attempt(() => this.load());
  }

  /// The allocation fields to send: for a new item, a ballot's window and
  /// claim minutes; for an item being edited, only what changed (the
  /// server keeps the ballot's other fields, and holds them fixed once drawn).
  ballotInput(before) {
    const form = $('item-form');
    const zone = this.festival.timezone;
    const allocation = form.elements.allocation.value;
    if (before?.ballotDrawnAt) return {};
    const fields = {
      ballotOpensAt: fromLocalInput(form.elements.ballotOpensAt.value, zone),
      ballotClosesAt: fromLocalInput(form.elements.ballotClosesAt.value, zone),
      claimMinutes: number(form.elements.claimMinutes.value),
    };
    if (!before) {
      if (allocation !== 'BALLOT') return {};
      return { allocation, ...Object.fromEntries(Object.entries(fields).filter(([, field]) => field !== null)) };
    }
    const was = before.allocation ?? 'FIRST_COME';
    if (allocation !== 'BALLOT') return was === 'BALLOT' ? { allocation } : {};
    const input = was === 'BALLOT' ? {} : { allocation };
    const kept = {
      ballotOpensAt: toLocalInput(before.ballotOpensAt, zone) === form.elements.ballotOpensAt.value,
      ballotClosesAt: toLocalInput(before.ballotClosesAt, zone) === form.elements.ballotClosesAt.value,
      claimMinutes: was === 'BALLOT' && before.claimMinutes === fields.claimMinutes,
    };
    for (const [name, field] of Object.entries(fields)) {
      if (field !== null && !(was === 'BALLOT' && kept[name])) input[name] = field;
    }
    return input;
  }

  async cancelItem(item) {
    const { t } = this.context;
    const fresh = await this.context.attempt(async () => (await this.context.api.request(ITEM_TICKETS, { id: item.id })).item);
    if (!fresh) return;
    const sure = await confirmAction(
      t('organizer-cancel-confirm', { title: fresh.title, tickets: fresh.attendance?.issued ?? 0, waiting: fresh.waitlistLength }),
      t('organizer-cancel-yes'),
      t('organizer-keep'),
    );
    if (!sure) return;
    const done = await this.context.attempt(() => this.context.api.request(CANCEL_ITEM, { itemId: item.id }));
    if (!done) return;
    this.context.notify(t('organizer-cancelled', { title: fresh.title, tickets: fresh.attendance?.issued ?? 0 }));
    await this.context.attempt(() => this.load());
  }

  // --- The no-show policy ---------------------------------------------------------------

  /// Fills the policy form with the festival's settings (and says them
  /// in its data- attributes).
  showPolicy(policy) {
    this.policy = policy;
    const form = $('policy-form');
    form.elements.noShowLimit.value = policy.noShowLimit ?? '';
    form.elements.noShowBlockDays.value = policy.noShowBlockDays;
    form.elements.cancelWithoutPenaltyMinutes.value = policy.cancelWithoutPenaltyMinutes;
    form.dataset.noShowLimit = policy.noShowLimit ?? '';
    form.dataset.noShowBlockDays = String(policy.noShowBlockDays);
    form.dataset.cancelWithoutPenaltyMinutes = String(policy.cancelWithoutPenaltyMinutes);
  }

  async savePolicy(event) {
    event.preventDefault();
    const form = event.target;
    const input = {
      festivalId: this.festival.id,
      // Empty is "never block": null turns the limit off.
      noShowLimit: number(form.elements.noShowLimit.value),
    };
    // The others are kept when left empty.
    for (const name of ['noShowBlockDays', 'cancelWithoutPenaltyMinutes']) {
      const value = number(form.elements[name].value);
      if (value !== null) input[name] = value;
    }
    const festival = this.festival;
    const saved = await this.context.attempt(async () => (await this.context.api.request(UPDATE_FESTIVAL, { input })).updateFestival);
    if (!saved || festival !== this.festival) return;
    this.showPolicy(saved);
    this.context.notify(this.context.t('organizer-policy-saved'));
  }

  // --- Roles ------------------------------------------------------------------------

  async changeRole(event) {
    event.preventDefault();
    const { t } = this.context;
    const form = event.target;
    const action = event.submitter?.value === 'revoke' ? 'revoke' : 'grant';
    const role = form.elements.role.value;
    const email = form.elements.email.value.trim();
    const input = {
      email,
      role,
      festivalId: role === 'ADMIN' ? null : this.festival.id,
      venueId: role === 'DOOR_STAFF' ? form.elements.venueId.value || null : null,
    };
    if (action === 'revoke') {
      const sure = await confirmAction(
        t('organizer-revoke-confirm', { email, role: this.roleName(role) }),
        t('organizer-revoke'),
        t('organizer-keep'),
      );
      if (!sure) return;
    }
    if (await this.applyRole(action, input)) form.elements.email.value = '';
  }

  /// Takes back the grant a line of the holders list shows.
  async revokeHolder(holder) {
    const { t } = this.context;
    const sure = await confirmAction(
      t('organizer-revoke-confirm', { email: holder.email, role: this.roleName(holder.role) }),
      t('organizer-revoke'),
      t('organizer-keep'),
    );
    if (!sure) return;
    await this.applyRole('revoke', {
      email: holder.email,
      role: holder.role,
      festivalId: this.festival.id,
      venueId: holder.venue?.id ?? null,
    });
  }

  /// Grants or revokes `input`, says so, and reads the holders again;
  /// whether it was done.
  async applyRole(action, input) {
    const { t } = this.context;
    const user = await this.context.attempt(async () => {
      const data = await this.context.api.request(action === 'grant' ? GRANT : REVOKE, { input });
      return data.grantRole ?? data.revokeRole;
    });
    if (!user) return false;
    this.roleResults.unshift({ action, email: user.email, role: input.role, user });
    this.context.notify(t(ROLE_DONE[action], { email: user.email, role: this.roleName(input.role) }));
    this.renderRoleResults();
    await this.context.attempt(() => this.reloadHolders());
    return true;
  }
}
