/* Side-by-Side service worker: keeps the log form and its script on the phone, so the form
   opens offline (log.js then queues what is submitted). Only GETs of this folder are handled;
   submissions always go to the network. The cached form is keyed by its own URL, token
   included: it never leaves the phone. */
const CACHE = "sbs-log-1";
const ROOT = new URL("./", self.location).pathname; // the function's root, e.g. /log_interaction/
const FILES = ["log.js", "icon.svg"];

const isForm = (url) => url.origin === self.location.origin && url.pathname === ROOT && url.searchParams.has("t");

async function remember(request, response) {
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(FILES);
      // The form page that registered us was loaded before we existed: fetch it into the cache.
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const forms = windows.map((w) => new URL(w.url)).filter(isForm);
      await Promise.all(forms.map((url) => cache.add(url.href).catch(() => undefined)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("sbs-log-") && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

async function fromCache(request, url) {
  const hit = await caches.match(request, { ignoreVary: true });
  if (hit || !isForm(url)) return hit || Response.error();
  // Same form, other language or parameters: any cached copy for this token will do.
  const plain = new URL(ROOT + "?" + new URLSearchParams({ t: url.searchParams.get("t") }), url);
  return (await caches.match(plain.href, { ignoreVary: true })) || Response.error();
}

// Network first (always the latest form and script), the phone's copy when the network fails.
async function networkFirst(event, url) {
  try {
    const response = await fetch(event.request);
    event.waitUntil(remember(event.request, response.clone()));
    return response;
  } catch (e) {
    return fromCache(event.request, url);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(ROOT)) return;
  const file = url.pathname.slice(ROOT.length);
  const wanted = request.mode === "navigate" ? isForm(url) : FILES.includes(file);
  if (wanted) event.respondWith(networkFirst(event, url));
});
