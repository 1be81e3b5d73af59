// Small helpers the console's screens share: building elements safely
// (text only, never HTML), times in the festival's zone, and a question
// that waits for a yes or a no.

/// An element `tag` with `attributes` (`class`, `data-*`, `on…` handlers,
/// DOM properties such as `value`, `hidden`, `disabled`) and `children`
/// (elements, or strings shown as text).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class' || name.startsWith('data-') || name.startsWith('aria-') || name === 'role' ||
               name === 'for' || name === 'type' || name === 'name' || name === 'href' || name === 'src' ||
               name === 'alt' || name === 'scope' || name === 'colspan' || name === 'download' || name === 'min' ||
               name === 'max' || name === 'step' || name === 'autocomplete' || name === 'placeholder') {
      element.setAttribute(name, value === true ? '' : String(value));
    } else {
      element[name] = value;
    }
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

export const $ = (id) => document.getElementById(id);

/// The parts of `date` on the wall clock of `timeZone`.
function wallClock(date, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return parts;
}

/// `YYYY-MM-DD`, the date of `at` in `timeZone`.
export function localDate(at, timeZone) {
  const { year, month, day } = wallClock(new Date(at), timeZone);
  return `${year}-${month}-${day}`;
}

/// `YYYY-MM-DDTHH:MM`, for a datetime-local input showing `at` in `timeZone`.
export function toLocalInput(at, timeZone) {
  if (!at) return '';
  const { year, month, day, hour, minute } = wallClock(new Date(at), timeZone);
  return `${year}-${month}-${day}T${hour}:${minute}`;
}

/// Milliseconds `timeZone` is ahead of UTC at the instant `ms`.
function offset(ms, timeZone) {
  const { year, month, day, hour, minute, second } = wallClock(new Date(ms), timeZone);
  return Date.UTC(year, month - 1, day, hour, minute, second) - Math.floor(ms / 1000) * 1000;
}

/// The instant (RFC 3339, UTC) a datetime-local `value` names in
/// `timeZone`; null for an empty value.
export function fromLocalInput(value, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value ?? '');
  if (!match) return null;
  const [, year, month, day, hour, minute] = match.map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offset(wall, timeZone);
  // Once more, for a zone whose offset changes between the two guesses.
  instant = wall - offset(instant, timeZone);
  return new Date(instant).toISOString().replace('.000Z', 'Z');
}

/// `at` as the language `tag` writes a time in `timeZone`.
export function formatTime(at, timeZone, tag, { day = false, weekday = false } = {}) {
  if (!at) return '';
  return new Intl.DateTimeFormat(tag, {
    timeZone,
    ...(weekday ? { weekday: 'short' } : {}),
    ...(day ? { month: 'short', day: 'numeric' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));
}

/// A day (`YYYY-MM-DD`) as a heading in the language `tag`.
export function formatDay(date, tag) {
  const [year, month, day] = date.split('-').map(Number);
  return new Intl.DateTimeFormat(tag, {
    timeZone: 'UTC',
    weekday: 'long',
    month: 'long',
    day: 'numeric',
  }).format(new Date(Date.UTC(year, month - 1, day)));
}

/// A country code as its name in the language `tag`, with the code.
export function countryName(code, tag) {
  if (!code) return '';
  try {
    const name = new Intl.DisplayNames([tag], { type: 'region' }).of(code.toUpperCase());
    return name && name !== code.toUpperCase() ? `${name} (${code.toUpperCase()})` : code.toUpperCase();
  } catch {
    return code;
  }
}

/// Comma- (or 、，-) separated words as a list, blanks dropped.
export function splitList(text) {
  return String(text ?? '')
    .split(/[,，、\n]/)
    .map((word) => word.trim())
    .filter(Boolean);
}

/// Asks `question` in the page's dialog; resolves to true for yes.
export function confirmAction(question, yes, no) {
  const dialog = $('confirm');
  $('confirm-text').textContent = question;
  $('confirm-yes').textContent = yes;
  $('confirm-no').textContent = no;
  dialog.dataset.open = 'true';
  dialog.showModal();
  return new Promise((resolve) => {
    const done = (answer) => {
      $('confirm-yes').removeEventListener('click', onYes);
      $('confirm-no').removeEventListener('click', onNo);
      dialog.removeEventListener('cancel', onNo);
      dialog.dataset.open = 'false';
      dialog.close();
      resolve(answer);
    };
    const onYes = () => done(true);
    const onNo = (event) => {
      event.preventDefault();
      done(false);
    };
    $('confirm-yes').addEventListener('click', onYes);
    $('confirm-no').addEventListener('click', onNo);
    dialog.addEventListener('cancel', onNo);
  });
}
