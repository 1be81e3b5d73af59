// The page's language: Fluent files served from /locales/<tag>/<file>.ftl,
// the same files the server says its sentences with.
import '/vendor/fluent-bundle.js';

const { FluentBundle, FluentResource } = globalThis.FluentBundle;

/// The languages the pages speak, each named in itself, English first.
export const LANGUAGES = [
  { tag: 'en', name: 'English' },
  { tag: 'zh-CN', name: '简体中文' },
];

const CHOSEN = 'usher.language';

/// The language chosen on the page before, else the first the browser asks
/// for that Usher speaks (any Chinese but Traditional is Simplified, as on
/// the server), else English.
export function preferredLanguage() {
  const chosen = localStorage.getItem(CHOSEN);
  if (LANGUAGES.some((language) => language.tag === chosen)) return chosen;
  for (const asked of navigator.languages ?? [navigator.language]) {
    const tag = asked.toLowerCase();
    if (tag.startsWith('zh') && !/^zh-(tw|hk|mo|hant)/.test(tag)) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function chooseLanguage(tag) {
  localStorage.setItem(CHOSEN, tag);
}

async function bundle(tag, files) {
  const made = new FluentBundle(tag, { useIsolating: false });
  for (const file of files) {
    const response = await fetch(`/locales/${tag}/${file}.ftl`);
    if (!response.ok) throw new Error(`/locales/${tag}/${file}.ftl: ${response.status}`);
    made.addResource(new FluentResource(await response.text()));
  }
  return made;
}

/// Sentences in one language, with English for what it misses.
export class Translator {
  constructor(tag, bundles) {
    this.tag = tag;
    this.bundles = bundles;
  }

  static async load(tag, files) {
    const bundles = [await bundle(tag, files)];
    if (tag !== 'en') bundles.push(await bundle('en', files));
    return new Translator(tag, bundles);
  }

  /// The sentence `id` with `args`; its id when no language has it.
  t(id, args = {}) {
    for (const bundle of this.bundles) {
      const message = bundle.getMessage(id);
      if (message?.value) return bundle.formatPattern(message.value, args, []);
    }
    return id;
  }

  /// Fills every element under `root` that names a sentence in
  /// `data-l10n-id` (with JSON `data-l10n-args`); `data-l10n-attr` puts it
  /// in that attribute rather than the text.
  translate(root) {
    document.documentElement.lang = this.tag;
    for (const element of root.querySelectorAll('[data-l10n-id]')) {
      const args = element.dataset.l10nArgs ? JSON.parse(element.dataset.l10nArgs) : {};
      const text = this.t(element.dataset.l10nId, args);
      if (element.dataset.l10nAttr) element.setAttribute(element.dataset.l10nAttr, text);
      else element.textContent = text;
    }
  }
}

/// The arguments of the door sentences' moment (`door-when`, `door-day`):
/// `date` in the festival's time zone, and whether it falls on `now`'s day.
export function momentArgs(date, timeZone, now = new Date()) {
  const parts = (at) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(at)
        .map((part) => [part.type, part.value]),
    );
  const moment = parts(date);
  const today = parts(now);
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  return {
    today: ['year', 'month', 'day'].every((key) => moment[key] === today[key]) ? 'yes' : 'no',
    time: `${moment.hour}:${moment.minute}`,
    weekday: weekdays.indexOf(moment.weekday) + 1,
    day: Number(moment.day),
    month: Number(moment.month),
  };
}
