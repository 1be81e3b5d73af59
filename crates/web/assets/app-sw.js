// The apps' service worker: an app's shell comes from the cache at
// once (so the page opens with no network once it has been opened), and is
// fetched again behind it so that the next visit gets what changed. The
// API is never cached: GraphQL goes to the network.
// Each app registers this worker with its name (`/app-sw.js?app=door`)
// and the scope of its pages.
const APP = new URL(self.location.href).searchParams.get('app');
const COMMON = ['/common/api.js', '/common/i18n.js', '/vendor/fluent-bundle.js', '/vendor/graphql-ws.min.js', '/vendor/idb-keyval.js', '/door/icon.svg'];
const SHELLS = {
  door: [
    '/door',
    '/door/app.js',
    '/door/camera.js',
    '/door/decoder.js',
    '/door/door.css',
    '/door/feedback.js',
    '/door/offline.js',
    '/door/app.webmanifest',
    '/locales/en/door.ftl',
    '/locales/zh-CN/door.ftl',
    '/vendor/ed25519.js',
    '/vendor/jsQR.js',
  ],
  festival: [
    '/',
    '/festival/app.js',
    '/festival/festival.css',
    '/festival/app.webmanifest',
    '/locales/en/festival.ftl',
    '/locales/zh-CN/festival.ftl',
  ],
};
const SHELL = [...COMMON, ...(SHELLS[APP] ?? [])];
const CACHE = `usher-${APP}-v1`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name.startsWith(`usher-${APP}-`) && name !== CACHE).map((name) => caches.delete(name))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  const path = url.pathname;
  if (!SHELL.includes(path)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(path);
      const fresh = fetch(path).then((response) => {
        if (response.ok) cache.put(path, response.clone());
        return response;
      });
      if (cached) {
        event.waitUntil(fresh.catch(() => {}));
        return cached;
      }
      return fresh;
    }),
  );
});
