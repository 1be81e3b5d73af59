// The dashboard: every item of today and the coming days with its numbers,
// live through attendanceChanged (one subscription per item shown), the
// festival's totals by day, venue, film or country, an item's arrivals
// chart and the attendance CSV, both through short-lived signed links; for
// an item given by ballot, its entries, its wins, where it stands and,
// once it has closed undrawn, "Draw now".
import { $, countryName, formatDay, formatTime, h, localDate } from '/organizer/ui.js';

const ATTENDANCE_FIELDS = `ticketCapacity venueCapacity issued checkedIn cancelled noShows waitlisted checkInRate
  released standbyAdmitted standbyWaiting standbyPlaces ballotEntries ballotWon`;
const PROGRAMME = `query Programme($id: ID!, $after: String, $startsAfter: DateTime) {
  festival(id: $id) {
    programme(first: 200, after: $after, filter: { startsAfter: $startsAfter }) {
      pageInfo { hasNextPage endCursor }
      edges { node { id title kind status startsAt endsAt lateEntryUntil venue { id name }
        allocation ballotOpensAt ballotClosesAt ballotDrawnAt
        attendance { ${ATTENDANCE_FIELDS} } } }
    }
  }
}`;
const TOTALS = `query Totals($id: ID!, $groupBy: AttendanceGrouping!) {
  festival(id: $id) { attendance(groupBy: $groupBy) { key label attendance { ${ATTENDANCE_FIELDS} } } }
}`;
const CSV_URL = 'query CsvUrl($id: ID!) { festival(id: $id) { signedAttendanceCsvUrl } }';
const CHART_URL = 'query ChartUrl($id: ID!) { item(id: $id) { title signedArrivalsChartUrl } }';
const DRAW = 'mutation Draw($itemId: ID!) { drawBallot(itemId: $itemId) }';
const ATTENDANCE = `subscription Attendance($itemId: ID!) { attendanceChanged(itemId: $itemId) { ${ATTENDANCE_FIELDS} } }`;

/// A signed link is asked for again after this long (the server's live longer).
const LINK_FRESH_MS = 30 * 1000;
/// Changes within this long refresh the totals once.
const TOTALS_AFTER_MS = 1000;
/// The list is read again this often, for items that start, end or appear.
const RELOAD_EVERY_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/// A ballot's row is redrawn when it opens or closes; a later one is
/// looked at again after this long at most.
const BALLOT_WAIT_MS = 60 * 60 * 1000;

export class Dashboard {
  constructor(context) {
    this.context = context;
    this.items = [];
    this.live = new Map();
    this.totals = [];
    this.group = 'DAY';
    this.csv = { url: null, at: 0 };
    this.chartItem = null;
    this.totalsTimer = null;
    this.reloadTimer = null;
    this.ballotTimer = null;
    $('totals-group').addEventListener('change', () => {
      this.group = $('totals-group').value;
      this.context.attempt(() => this.loadTotals());
    });
    $('csv-link').addEventListener('click', (event) => this.downloadCsv(event));
    $('chart-close').addEventListener('click', () => this.closeChart());
  }

  get festival() {
    return this.context.festival;
  }

  async enter() {
    this.render();
    await Promise.all([this.loadItems(), this.loadTotals(), this.prepareCsv()].map((load) =>
      load.catch((error) => this.context.report(error)),
    ));
    clearInterval(this.reloadTimer);
    this.reloadTimer = setInterval(() => this.loadItems().catch(() => {}), RELOAD_EVERY_MS);
  }

  leave() {
    clearInterval(this.reloadTimer);
    clearTimeout(this.ballotTimer);
    clearTimeout(this.totalsTimer);
    for (const stop of this.live.values()) stop();
    this.live.clear();
    $('live').dataset.live = '0';
    this.closeChart();
  }

  /// Items of today (in the festival's zone) and after, with their numbers.
  async loadItems() {
    const festival = this.festival;
    const today = localDate(new Date(), festival.timezone);
    const items = [];
    let after = null;
    do {
      const data = await this.context.api.request(PROGRAMME, {
        id: festival.id,
        after,
        // A day and a half back covers the start of today in any zone.
        startsAfter: new Date(Date.now() - 1.5 * DAY_MS).toISOString(),
      });
      const page = data.festival.programme;
      items.push(...page.edges.map((edge) => edge.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    if (festival !== this.festival) return;
    this.items = items.filter((item) => localDate(item.startsAt, festival.timezone) >= today);
    this.subscribe();
    this.render();
  }

  /// One attendanceChanged per item shown; items no longer shown stop.
  subscribe() {
    const shown = new Set(this.items.filter((item) => item.status !== 'CANCELLED').map((item) => item.id));
    for (const [itemId, stop] of this.live) {
      if (!shown.has(itemId)) {
        stop();
        this.live.delete(itemId);
      }
    }
    for (const itemId of shown) {
      if (this.live.has(itemId)) continue;
      let first = true;
      const stop = this.context.api.subscribe(ATTENDANCE, { itemId }, ({ attendanceChanged }) => {
        const item = this.items.find((candidate) => candidate.id === itemId);
        if (!item) return;
        const changed = JSON.stringify(item.attendance) !== JSON.stringify(attendanceChanged);
        item.attendance = attendanceChanged;
        this.renderRow(item);
        if (first) {
          first = false;
          $('live').dataset.live = String(Number($('live').dataset.live) + 1);
          this.renderLive();
        }
        if (changed) this.totalsSoon();
      });
      this.live.set(itemId, stop);
    }
  }

  totalsSoon() {
    clearTimeout(this.totalsTimer);
    this.totalsTimer = setTimeout(() => this.loadTotals().catch(() => {}), TOTALS_AFTER_MS);
  }

  async loadTotals() {
    const festival = this.festival;
    const group = this.group;
    const data = await this.context.api.request(TOTALS, { id: festival.id, groupBy: group });
    if (festival !== this.festival || group !== this.group) return;
    this.totals = data.festival.attendance;
    this.renderTotals();
  }

  // --- The CSV and the chart: signed links that open without a header ----------

  async prepareCsv() {
    const link = $('csv-link');
    const data = await this.context.api.request(CSV_URL, { id: this.festival.id });
    this.csv = { url: data.festival.signedAttendanceCsvUrl, at: Date.now() };
    link.href = this.csv.url;
    link.dataset.ready = 'true';
  }

  /// A link older than LINK_FRESH_MS is signed again before it is followed.
  async downloadCsv(event) {
    if (this.csv.url && Date.now() - this.csv.at < LINK_FRESH_MS) return;
    event.preventDefault();
    $('csv-link').dataset.ready = 'false';
    try {
      await this.prepareCsv();
      $('csv-link').click();
    } catch (error) {
      this.context.report(error);
    }
  }

  async openChart(item) {
    const section = $('chart');
    this.chartItem = item;
    section.dataset.itemId = item.id;
    section.dataset.ready = 'false';
    $('chart-title').textContent = this.context.t('organizer-chart-title', { title: item.title });
    $('chart-image').removeAttribute('src');
    section.hidden = false;
    try {
      const data = await this.context.api.request(CHART_URL, { id: item.id });
      if (this.chartItem !== item) return;
      const url = data.item.signedArrivalsChartUrl;
      $('chart-image').src = url;
      $('chart-open').href = url;
      section.dataset.ready = 'true';
      section.scrollIntoView({ block: 'nearest' });
    } catch (error) {
      this.context.report(error);
    }
  }

  /// Redraws the ballots' rows when the next of them opens or closes, so
  /// that "Draw now" shows at the close.
  scheduleBallots() {
    clearTimeout(this.ballotTimer);
    const now = Date.now();
    const next = Math.min(
      ...this.items
        .filter((item) => item.allocation === 'BALLOT' && !item.ballotDrawnAt)
        .flatMap((item) => [item.ballotOpensAt, item.ballotClosesAt])
        .filter(Boolean)
        .map((at) => new Date(at).getTime())
        .filter((at) => at > now),
    );
    if (!Number.isFinite(next)) return;
    this.ballotTimer = setTimeout(() => {
      for (const item of this.items) if (item.allocation === 'BALLOT') this.renderRow(item);
      this.scheduleBallots();
    }, Math.min(next - now + 50, BALLOT_WAIT_MS));
  }

  /// Draws `item`'s ballot now (its close has passed and no instance drew
  /// it yet), then reads the items again.
  async drawBallot(item, button) {
    const { t } = this.context;
    button.disabled = true;
    const drawn = await this.context.attempt(async () => (await this.context.api.request(DRAW, { itemId: item.id })).drawBallot);
    button.disabled = false;
    if (drawn === undefined) return;
    this.context.notify(t(drawn ? 'organizer-ballot-drawn-now' : 'organizer-ballot-drawn-already', { title: item.title }));
    await this.context.attempt(() => this.loadItems());
  }

  closeChart() {
    this.chartItem = null;
    $('chart').hidden = true;
    $('chart').dataset.itemId = '';
    $('chart').dataset.ready = 'false';
  }

  // --- Drawing ----------------------------------------------------------------------

  render() {
    const { t, tag } = this.context;
    const festival = this.festival;
    if (!festival) return;
    $('dashboard-zone').textContent = t('organizer-times-in', { zone: festival.timezone });
    this.renderLive();
    const rows = [];
    let day = null;
    for (const item of this.items) {
      const itemDay = localDate(item.startsAt, festival.timezone);
      if (itemDay !== day) {
        day = itemDay;
        rows.push(h('tr', { class: 'day', 'data-day': day }, h('th', { colspan: 13, scope: 'rowgroup' }, formatDay(day, tag))));
      }
      const row = h('tr', { 'data-item-id': item.id });
      rows.push(row);
      this.fillRow(row, item);
    }
    $('item-rows').replaceChildren(...rows);
    this.scheduleBallots();
    $('items').dataset.count = String(this.items.length);
    $('no-items').hidden = this.items.length > 0;
    if (this.chartItem) $('chart-title').textContent = t('organizer-chart-title', { title: this.chartItem.title });
    this.renderTotals();
  }

  renderLive() {
    const count = Number($('live').dataset.live);
    $('live').textContent = count > 0 ? this.context.t('organizer-live', { items: count }) : '';
  }

  renderRow(item) {
    const row = $('item-rows').querySelector(`tr[data-item-id="${CSS.escape(item.id)}"]`);
    if (row) this.fillRow(row, item);
  }

  fillRow(row, item) {
    const { t, tag } = this.context;
    const zone = this.festival.timezone;
    const numbers = item.attendance ?? {};
    const status = item.status;
    for (const [name, value] of [
      ['issued', numbers.issued],
      ['checkedIn', numbers.checkedIn],
      ['noShows', numbers.noShows],
      ['ticketCapacity', numbers.ticketCapacity],
      ['venueCapacity', numbers.venueCapacity],
      ['waitlisted', numbers.waitlisted],
      ['released', numbers.released],
      ['standbyAdmitted', numbers.standbyAdmitted],
      ['standbyWaiting', numbers.standbyWaiting],
      ['standbyPlaces', numbers.standbyPlaces],
    ]) {
      row.dataset[name] = String(value ?? '');
    }
    row.dataset.status = status;
    const ballot = this.ballotState(item);
    row.dataset.allocation = item.allocation ?? 'FIRST_COME';
    row.dataset.ballotState = ballot ?? '';
    row.dataset.ballotEntries = ballot ? String(numbers.ballotEntries ?? '') : '';
    row.dataset.ballotWon = ballot ? String(numbers.ballotWon ?? '') : '';
    const number = (value) => h('td', { class: 'number' }, value === undefined ? '–' : String(value));
    row.replaceChildren(
      h('td', { class: 'time' }, formatTime(item.startsAt, zone, tag)),
      h('td', { class: 'title' }, item.title, h('span', { class: 'venue' }, item.venue.name), this.ballotLine(item, ballot)),
      h('td', {}, h('span', { class: `status status-${status.toLowerCase()}` }, t(`organizer-status-${status.toLowerCase().replaceAll('_', '-')}`))),
      number(numbers.issued),
      number(numbers.checkedIn),
      number(numbers.noShows),
      h('td', { class: 'number', title: t('organizer-capacity-explained') },
        numbers.ticketCapacity === undefined ? '–' : `${numbers.ticketCapacity} / ${numbers.venueCapacity}`),
      number(numbers.waitlisted),
      number(numbers.released),
      number(numbers.standbyAdmitted),
      number(numbers.standbyWaiting),
      h('td', { class: 'number', title: t('organizer-standby-places-explained') },
        numbers.standbyPlaces === undefined ? '–' : String(numbers.standbyPlaces)),
      h('td', { class: 'actions' },
        h('button', { type: 'button', class: 'small', 'data-action': 'chart', onclick: () => this.openChart(item) }, t('organizer-chart')),
        h('button', {
          type: 'button',
          class: 'small',
          'data-action': 'scans',
          onclick: () => document.dispatchEvent(new CustomEvent('organizer:scans', { detail: { itemId: item.id } })),
        }, t('organizer-nav-scans')),
      ),
    );
  }

  /// Where an item's ballot stands now: null without one; `upcoming`,
  /// `open`, `closed` (its close has passed, not yet drawn), `drawn`.
  ballotState(item, now = new Date()) {
    if (item.allocation !== 'BALLOT') return null;
    if (item.ballotDrawnAt) return 'drawn';
    if (item.status === 'CANCELLED') return null;
    if (item.ballotOpensAt && now < new Date(item.ballotOpensAt)) return 'upcoming';
    if (item.ballotClosesAt && now < new Date(item.ballotClosesAt)) return 'open';
    return 'closed';
  }

  /// The ballot's line under the item: its entries and wins, and where it stands.
  ballotLine(item, ballot) {
    if (!ballot) return null;
    const { t, tag } = this.context;
    const zone = this.festival.timezone;
    const when = (at) => formatTime(at, zone, tag, { day: true, weekday: true });
    const numbers = item.attendance ?? {};
    const stands = {
      upcoming: () => t('organizer-ballot-upcoming', { when: when(item.ballotOpensAt) }),
      open: () => t('organizer-ballot-open', { when: when(item.ballotClosesAt) }),
      closed: () => t('organizer-ballot-closed', { when: when(item.ballotClosesAt) }),
      drawn: () => t('organizer-ballot-drawn', { when: when(item.ballotDrawnAt) }),
    }[ballot]();
    return h('span', { class: `ballot ballot-${ballot}` },
      h('strong', {}, t('organizer-allocation-ballot')), ' · ',
      t('organizer-ballot-numbers', { entries: numbers.ballotEntries ?? 0, won: numbers.ballotWon ?? 0 }), ' · ',
      stands,
      ballot === 'closed'
        ? h('button', {
          type: 'button',
          class: 'small primary',
          'data-action': 'draw',
          onclick: (event) => this.drawBallot(item, event.currentTarget),
        }, t('organizer-ballot-draw'))
        : null);
  }

  renderTotals() {
    const { t, tag } = this.context;
    const group = this.group;
    $('totals').dataset.group = group;
    $('totals-key').textContent = t(`organizer-group-${group.toLowerCase()}`);
    $('totals-hint').hidden = group !== 'COUNTRY';
    const label = (row) => {
      if (row.key === '') return t('organizer-no-film');
      if (group === 'COUNTRY') return countryName(row.key, tag);
      if (group === 'DAY') return formatDay(row.key, tag);
      return row.label;
    };
    $('totals-rows').replaceChildren(
      ...this.totals.map((row) =>
        h(
          'tr',
          {
            'data-key': row.key,
            'data-issued': row.attendance.issued,
            'data-checked-in': row.attendance.checkedIn,
            'data-released': row.attendance.released,
            'data-standby-admitted': row.attendance.standbyAdmitted,
            'data-standby-waiting': row.attendance.standbyWaiting,
          },
          h('th', { scope: 'row' }, label(row)),
          h('td', { class: 'number' }, String(row.attendance.issued)),
          h('td', { class: 'number' }, String(row.attendance.checkedIn)),
          h('td', { class: 'number' }, String(row.attendance.noShows)),
          h('td', { class: 'number' }, String(row.attendance.cancelled)),
          h('td', { class: 'number' }, String(row.attendance.waitlisted)),
          h('td', { class: 'number' }, String(row.attendance.released)),
          h('td', { class: 'number' }, String(row.attendance.standbyAdmitted)),
          h('td', { class: 'number' }, String(row.attendance.standbyWaiting)),
          h('td', { class: 'number' }, new Intl.NumberFormat(tag, { style: 'percent' }).format(row.attendance.checkInRate)),
        ),
      ),
    );
    $('totals').dataset.count = String(this.totals.length);
  }
}
