// The scan log of an item, newest first, filtered by outcome and gate,
// with the undo of an admission.
import { $, formatTime, h } from '/organizer/ui.js';

const OUTCOMES = [
  'ADMITTED',
  'ALREADY_CHECKED_IN',
  'INVALID_CODE',
  'UNKNOWN_TICKET',
  'CANCELLED',
  'ITEM_CANCELLED',
  'WRONG_VENUE',
  'WRONG_ITEM',
  'TOO_EARLY',
  'TOO_LATE',
  'VENUE_FULL',
];
const PAGE = 50;
const ITEMS = `query Items($id: ID!, $after: String) {
  festival(id: $id) { programme(first: 200, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id title startsAt venue { id gates } } } } }
}`;
const SCAN_FIELDS = `totalCount pageInfo { hasNextPage endCursor }
  edges { node { id outcome scannedAt gate offline conflict scanner { label } ticket { id holderName status } } }`;
const SCANS = `query Scans($id: ID!, $outcome: CheckInOutcome, $gate: String, $after: String) {
  item(id: $id) { id scans(outcome: $outcome, gate: $gate, first: ${PAGE}, after: $after) { ${SCAN_FIELDS} } }
}`;
const UNDO = 'mutation Undo($ticketId: ID!) { undoCheckIn(ticketId: $ticketId) { id status } }';

export const outcomeLabel = (t, outcome) => t(`door-outcome-${outcome.toLowerCase().replaceAll('_', '-')}`);

export class Scans {
  constructor(context) {
    this.context = context;
    /// Set by the dashboard's "Scan log" button.
    this.itemId = '';
    this.items = [];
    this.scans = [];
    this.total = 0;
    this.next = null;
    for (const id of ['scan-item', 'scan-outcome', 'scan-gate']) {
      $(id).addEventListener('change', () => {
        if (id === 'scan-item') {
          this.itemId = $('scan-item').value;
          $('scan-gate').value = '';
        }
        this.renderFilters();
        this.context.attempt(() => this.load());
      });
    }
    $('scans-more').addEventListener('click', () => this.context.attempt(() => this.load(this.next)));
  }

  get festival() {
    return this.context.festival;
  }

  async enter() {
    const items = [];
    let after = null;
    do {
      const data = await this.context.api.request(ITEMS, { id: this.festival.id, after });
      const page = data.festival.programme;
      items.push(...page.edges.map((edge) => edge.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    this.items = items;
    if (!items.some((item) => item.id === this.itemId)) {
      // The item whose doors are nearest now.
      const now = Date.now();
      const nearest = [...items].sort(
        (a, b) => Math.abs(new Date(a.startsAt) - now) - Math.abs(new Date(b.startsAt) - now),
      )[0];
      this.itemId = nearest?.id ?? '';
    }
    this.scans = [];
    this.renderFilters();
    this.render();
    await this.load();
  }

  async load(after = null) {
    if (!this.itemId) return this.render();
    const filter = {
      id: this.itemId,
      outcome: $('scan-outcome').value || null,
      gate: $('scan-gate').value || null,
      after,
    };
    const { item } = await this.context.api.request(SCANS, filter);
    if (item?.id !== this.itemId) return;
    const found = item.scans.edges.map((edge) => edge.node);
    this.scans = after ? this.scans.concat(found) : found;
    this.total = item.scans.totalCount;
    this.next = item.scans.pageInfo.hasNextPage ? item.scans.pageInfo.endCursor : null;
    this.render();
  }

  renderFilters() {
    const { t, tag } = this.context;
    const zone = this.festival.timezone;
    const keep = (select, options, value) => {
      select.replaceChildren(...options);
      select.value = [...select.options].some((option) => option.value === value) ? value : '';
    };
    keep(
      $('scan-item'),
      this.items.map((item) => new Option(`${formatTime(item.startsAt, zone, tag, { day: true })} · ${item.title}`, item.id)),
      this.itemId,
    );
    keep(
      $('scan-outcome'),
      [new Option(t('organizer-any-outcome'), ''), ...OUTCOMES.map((outcome) => new Option(outcomeLabel(t, outcome), outcome))],
      $('scan-outcome').value,
    );
    const gates = this.items.find((item) => item.id === this.itemId)?.venue.gates ?? [];
    keep($('scan-gate'), [new Option(t('organizer-any-gate'), ''), ...gates.map((gate) => new Option(gate, gate))], $('scan-gate').value);
  }

  render() {
    const { t, tag } = this.context;
    const zone = this.festival.timezone;
    // Only the newest admission of a ticket still checked in can be undone.
    const undoable = new Set();
    const seen = new Set();
    for (const scan of this.scans) {
      const ticketId = scan.ticket?.id;
      if (!ticketId || seen.has(ticketId)) continue;
      if (scan.outcome === 'ADMITTED') {
        seen.add(ticketId);
        if (scan.ticket.status === 'CHECKED_IN') undoable.add(scan.id);
      }
    }
    $('scan-rows').replaceChildren(
      ...this.scans.map((scan) =>
        h(
          'tr',
          { 'data-scan-id': scan.id, 'data-outcome': scan.outcome, 'data-gate': scan.gate ?? '', 'data-ticket-id': scan.ticket?.id ?? '' },
          h('td', { class: 'time' }, new Intl.DateTimeFormat(tag, {
            timeZone: zone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
          }).format(new Date(scan.scannedAt))),
          h('td', {}, h('span', { class: `status outcome-${scan.outcome.toLowerCase()}` }, outcomeLabel(t, scan.outcome)),
            scan.offline ? h('span', { class: 'tag' }, t('organizer-offline-scan')) : null,
            scan.conflict ? h('span', { class: 'tag warn' }, t('organizer-conflict')) : null),
          h('td', {}, scan.ticket?.holderName ?? '–'),
          h('td', {}, scan.gate ?? '–'),
          h('td', {}, scan.scanner?.label ?? t('organizer-staff-account')),
          h('td', { class: 'actions' },
            undoable.has(scan.id)
              ? h('button', { type: 'button', class: 'small', 'data-action': 'undo', onclick: () => this.undo(scan) }, t('organizer-undo'))
              : null),
        ),
      ),
    );
    $('scans').dataset.count = String(this.scans.length);
    $('scans').dataset.total = String(this.total);
    $('scans-summary').textContent = this.itemId
      ? t('organizer-scans-summary', { shown: this.scans.length, total: this.total, zone })
      : t('organizer-no-items-at-all');
    $('scans-more').hidden = !this.next;
    this.renderFilters();
  }

  async undo(scan) {
    const { t } = this.context;
    const done = await this.context.attempt(() => this.context.api.request(UNDO, { ticketId: scan.ticket.id }));
    if (!done) return;
    this.context.notify(t('organizer-undone', { holder: scan.ticket.holderName }));
    await this.context.attempt(() => this.load());
  }
}
