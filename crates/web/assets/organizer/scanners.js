// Scanner devices of a venue: issue a token with a label and an expiry and
// show it as the door app's pairing QR code, list the devices with their
// last scan, revoke one.
import { ApiError, NetworkError } from '/common/api.js';
import { $, confirmAction, formatTime, fromLocalInput, h } from '/organizer/ui.js';

const DEVICE_FIELDS = 'id label gate active createdAt expiresAt revokedAt lastScanAt';
const DEVICES = `query Devices($venueId: ID!) { scannerTokens(venueId: $venueId) { ${DEVICE_FIELDS} } }`;
const ISSUE = `mutation Issue($input: IssueScannerTokenInput!) {
  issueScannerToken(input: $input) { pairingUrl scanner { ${DEVICE_FIELDS} } }
}`;
const REVOKE = `mutation Revoke($scannerId: ID!) { revokeScannerToken(scannerId: $scannerId) { ${DEVICE_FIELDS} } }`;

export class Scanners {
  constructor(context) {
    this.context = context;
    this.venueId = '';
    this.devices = [];
    this.qrUrl = null;
    this.paired = null;
    $('scanner-venue').addEventListener('change', () => {
      this.venueId = $('scanner-venue').value;
      this.hidePairing();
      this.context.attempt(() => this.load());
    });
    $('scanner-form').addEventListener('submit', (event) => this.issue(event));
  }

  get festival() {
    return this.context.festival;
  }

  async enter() {
    const { festival } = await this.context.api.request(
      'query($id: ID!) { festival(id: $id) { venues { id name gates } } }',
      { id: this.festival.id },
    );
    this.venues = festival.venues;
    if (!this.venues.some((venue) => venue.id === this.venueId)) this.venueId = this.venues[0]?.id ?? '';
    this.hidePairing();
    this.render();
    await this.load();
  }

  leave() {
    this.hidePairing();
  }

  async load() {
    if (!this.venueId) {
      this.devices = [];
      return this.render();
    }
    const venueId = this.venueId;
    const data = await this.context.api.request(DEVICES, { venueId });
    if (venueId !== this.venueId) return;
    this.devices = data.scannerTokens;
    this.render();
  }

  render() {
    const { t, tag } = this.context;
    const zone = this.festival.timezone;
    const select = $('scanner-venue');
    select.replaceChildren(...(this.venues ?? []).map((venue) => new Option(venue.name, venue.id)));
    select.value = this.venueId;
    const gates = this.venues?.find((venue) => venue.id === this.venueId)?.gates ?? [];
    const gate = $('scanner-gate');
    const chosen = gate.value;
    gate.replaceChildren(new Option(t('organizer-any-gate'), ''), ...gates.map((name) => new Option(name, name)));
    gate.value = gates.includes(chosen) ? chosen : '';
    const when = (at) => (at ? formatTime(at, zone, tag, { day: true }) : '–');
    $('device-rows').replaceChildren(
      ...this.devices.map((device) => {
        const state = device.active ? 'active' : device.revokedAt ? 'revoked' : 'expired';
        return h(
          'tr',
          { 'data-scanner-id': device.id, 'data-state': state, 'data-last-scan': device.lastScanAt ?? '' },
          h('td', {}, device.gate ? `${device.label} · ${device.gate}` : device.label),
          h('td', {}, h('span', { class: `status device-${state}` }, t(`organizer-device-${state}`))),
          h('td', {}, when(device.expiresAt)),
          h('td', {}, device.lastScanAt ? when(device.lastScanAt) : t('organizer-never')),
          h('td', { class: 'actions' },
            device.active
              ? [
                  h('button', { type: 'button', class: 'small', 'data-action': 'qr', onclick: () => this.showPairing(device) }, t('organizer-show-qr')),
                  h('button', { type: 'button', class: 'small danger', 'data-action': 'revoke', onclick: () => this.revoke(device) }, t('organizer-revoke')),
                ]
              : null,
          ),
        );
      }),
    );
    $('devices').dataset.count = String(this.devices.length);
    $('no-devices').hidden = this.devices.length > 0;
    if (this.paired) $('pairing-title').textContent = t('organizer-pairing-title', { label: this.paired.label });
  }

  async issue(event) {
    event.preventDefault();
    const form = event.target;
    const expiresAt = fromLocalInput(form.elements.expiresAt.value, this.festival.timezone);
    const issued = await this.context.attempt(async () =>
      (await this.context.api.request(ISSUE, {
        input: {
          venueId: this.venueId,
          label: form.elements.label.value.trim(),
          ...(form.elements.gate.value ? { gate: form.elements.gate.value } : {}),
          ...(expiresAt ? { expiresAt } : {}),
        },
      })).issueScannerToken,
    );
    if (!issued) return;
    form.reset();
    this.context.notify(this.context.t('organizer-issued', { label: issued.scanner.label }));
    await this.showPairing(issued.scanner, issued.pairingUrl);
    await this.context.attempt(() => this.load());
  }

  /// The pairing QR code, fetched with the Bearer header it needs and
  /// shown from a blob: URL.
  async showPairing(device, pairingUrl = null) {
    const { t } = this.context;
    this.hidePairing();
    this.paired = device;
    const panel = $('pairing');
    panel.dataset.scannerId = device.id;
    panel.dataset.ready = 'false';
    $('pairing-title').textContent = t('organizer-pairing-title', { label: device.label });
    $('pairing-url').textContent = pairingUrl ?? '';
    $('pairing-url').parentElement.hidden = !pairingUrl;
    panel.hidden = false;
    try {
      const svg = await this.pairingSvg(device.id);
      if (this.paired !== device) return;
      this.qrUrl = URL.createObjectURL(svg);
      $('pairing-qr').src = this.qrUrl;
      await $('pairing-qr').decode().catch(() => {});
      panel.dataset.ready = 'true';
    } catch (error) {
      this.context.report(error);
    }
  }

  async pairingSvg(scannerId, again = true) {
    const bearer = this.context.credentials.bearer;
    let response;
    try {
      response = await fetch(`/scanners/${encodeURIComponent(scannerId)}/pairing.svg`, {
        headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
        cache: 'no-store',
      });
    } catch (error) {
      throw new NetworkError(error.message);
    }
    if (response.status === 401 && again && this.context.credentials.value?.refreshToken) {
      await this.context.api.refresh(10000);
      return this.pairingSvg(scannerId, false);
    }
    const codes = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 410: 'GONE' };
    if (!response.ok) throw new ApiError(await response.text(), codes[response.status] ?? `HTTP_${response.status}`);
    return response.blob();
  }

  hidePairing() {
    this.paired = null;
    $('pairing').hidden = true;
    $('pairing').dataset.scannerId = '';
    $('pairing').dataset.ready = 'false';
    $('pairing-qr').removeAttribute('src');
    if (this.qrUrl) URL.revokeObjectURL(this.qrUrl);
    this.qrUrl = null;
  }

  async revoke(device) {
    const { t } = this.context;
    const sure = await confirmAction(t('organizer-revoke-device-confirm', { label: device.label }), t('organizer-revoke'), t('organizer-keep'));
    if (!sure) return;
    const done = await this.context.attempt(() => this.context.api.request(REVOKE, { scannerId: device.id }));
    if (!done) return;
    if (this.paired?.id === device.id) this.hidePairing();
    this.context.notify(t('organizer-device-revoked-now', { label: device.label }));
    await this.context.attempt(() => this.load());
  }
}
