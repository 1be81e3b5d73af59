// The door without the server: the venue's manifest kept on the phone,
// ticket codes verified against its keys, the door's rules applied to what
// it knows, and every scan kept in IndexedDB until it is synced.
import { createStore, del, delMany, get, set, values } from '/vendor/idb-keyval.js';
import * as ed25519 from '/vendor/ed25519.js';

const manifests = createStore('usher-door-manifests', 'manifests');
const queue = createStore('usher-door-scans', 'scans');

export const loadManifest = (venueId) => get(venueId, manifests);
export const saveManifest = (manifest) => set(manifest.venue.id, manifest, manifests);
export const forgetManifest = (venueId) => del(venueId, manifests);

/// Scans decided offline and not yet synced, oldest first.
export async function pendingScans() {
  const scans = await values(queue);
  return scans.sort((a, b) => a.scannedAt.localeCompare(b.scannedAt));
}

export const keepScan = (scan) => set(scan.clientScanId, scan, queue);
export const dropScans = (clientScanIds) => delMany(clientScanIds, queue);

function base64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/// A UUID from the 22-character compact form a ticket code carries.
function uuid(compact) {
  const bytes = base64url(compact);
  if (bytes.length !== 16) throw new Error('not a compact id');
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const webCryptoKeys = new Map();

async function verifySignature(jwk, signature, message) {
  try {
    let key = webCryptoKeys.get(jwk.kid);
    if (!key) {
      key = await crypto.subtle.importKey(
        'jwk',
        { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      webCryptoKeys.set(jwk.kid, key);
    }
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  } catch (error) {
    // A browser whose WebCrypto lacks Ed25519: the bundled implementation.
    if (error?.name !== 'NotSupportedError' && error?.name !== 'TypeError') throw error;
    return ed25519.verifyAsync(signature, message, base64url(jwk.x));
  }
}

/// The ticket and item a code names, if a key of `jwks` signed it; null
/// for anything else.
export async function verifyCode(code, jwks) {
  const parts = code.split('.');
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64url(parts[0])));
    const claims = JSON.parse(new TextDecoder().decode(base64url(parts[1])));
    const key = jwks.keys.find(
      (candidate) => candidate.kid === header.kid && candidate.crv === 'Ed25519',
    );
    if (header.alg !== 'EdDSA' || !key) return null;
    const message = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    if (!(await verifySignature(key, base64url(parts[2]), message))) return null;
    return { ticketId: uuid(claims.t), itemId: uuid(claims.i) };
  } catch {
    return null;
  }
}

/// What the door says offline, in the order the server would say it, as far
/// as the phone knows: `{ outcome, item, sentence, args }` where
/// `sentence` is the id of the Fluent sentence that explains it. Unknown
/// tickets cannot be told offline: the server settles them at the sync.
export function decideOffline({ ticket, manifest, itemId, now, admittedHere, admittedCount }) {
  if (!ticket) return { outcome: 'INVALID_CODE', sentence: 'door-invalid-code' };
  const item = manifest.items.find((candidate) => candidate.id === ticket.itemId);
  const of = (outcome, sentence, moment) => ({ outcome, item, sentence, moment });
  if (!item) return { outcome: 'WRONG_VENUE', sentence: 'door-offline-not-here' };
  if (item.status === 'CANCELLED') return of('ITEM_CANCELLED', 'door-item-cancelled');
  if (manifest.cancelledTicketIds.includes(ticket.ticketId)) return of('CANCELLED', 'door-cancelled');
  const here = admittedHere.get(ticket.ticketId);
  const checkedIn = here || manifest.checkedInTicketIds.includes(ticket.ticketId);
  if (!checkedIn && item.releaseAt && now >= new Date(item.releaseAt)) {
    return of('RELEASED', 'door-released', item.releaseAt);
  }
  if (itemId && itemId !== item.id) return of('WRONG_ITEM', 'door-wrong-item', item.startsAt);
  if (now < new Date(item.doorsOpenAt)) return of('TOO_EARLY', 'door-too-early', item.doorsOpenAt);
  if (now > new Date(item.lateEntryUntil)) return of('TOO_LATE', 'door-too-late', item.lateEntryUntil);
  if (here) {
    const sentence = here.gate ? 'door-already-checked-in-at-gate' : 'door-already-checked-in-when';
    return { ...of('ALREADY_CHECKED_IN', sentence, here.at), gate: here.gate };
  }
  if (manifest.checkedInTicketIds.includes(ticket.ticketId)) {
    return of('ALREADY_CHECKED_IN', 'door-already-checked-in');
  }
  if (admittedCount(item) >= manifest.venue.capacity) return of('VENUE_FULL', 'door-venue-full');
  return of('ADMITTED', 'door-offline-admitted', item.startsAt);
}
