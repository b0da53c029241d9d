/* Side-by-Side interaction log: send the form with fetch, and keep on the phone what cannot be
   sent (offline, timeout, server error) until it can, with its original submission id so the
   server stores it once. Without this script the form still works as a plain POST.
   Messages come from #status's data-* attributes, in the page's language. */
(() => {
  "use strict";
  const QUEUE = "sbs-log-queue"; // submissions waiting to be sent: [{id, token, lang, day, data}]
  const REFUSED = "sbs-log-refused"; // queued ones the server refused: [{day, message}]
  const TIMEOUT_MS = 15000;
  const RETRY_MS = 30000; // a steady retry, whatever the browser thinks of the connection
  const FIRST_RETRY_MS = 5000; // after a failure: 5 s, 10 s, 20 s ... up to RETRY_MS
  const status = document.getElementById("status");
  if (!status || !window.localStorage || !window.fetch) return;
  const say = status.dataset;
  const form = document.getElementById("log");
  let flushing = false;
  let backoff = FIRST_RETRY_MS;
  let retry = null;
  let queuedNow = false;
  let sentNow = 0;

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function read(key) {
    try {
      const value = JSON.parse(localStorage.getItem(key));
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }
  const write = (key, list) => localStorage.setItem(key, JSON.stringify(list));
  const keep = (item) => write(QUEUE, read(QUEUE).filter((i) => i.id !== item.id).concat([item]));
  const drop = (id) => write(QUEUE, read(QUEUE).filter((i) => i.id !== id));

  function refuse(item, body) {
    const details = Object.values((body && body.errors) || {}).flat().join(" ");
    const message = [(body && body.message) || "", details].join(" ").trim();
    write(REFUSED, read(REFUSED).concat([{ day: item.day, message }]));
  }

  function line(text) {
    const p = document.createElement("p");
    p.className = "notice";
    p.textContent = text;
    status.appendChild(p);
    return p;
  }

  function render(text) {
    status.textContent = "";
    if (text) line(text);
    const pending = read(QUEUE).length;
    if (queuedNow && pending) line(say.queued);
    else if (pending) line(fill(say.pending, { n: pending }));
    if (sentNow) line(fill(say.sent, { n: sentNow }));
    const refused = read(REFUSED);
    refused.forEach((r) => line(fill(say.refused, { date: r.day, message: r.message })));
    if (refused.length) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "quiet";
      button.textContent = say.dismiss;
      button.addEventListener("click", () => {
        write(REFUSED, []);
        render();
      });
      status.appendChild(button);
    }
  }

  // One submission as JSON, authorised by the supporter's token. Resolves to {status, body};
  // status 0 means the server was not reached (offline, timed out).
  async function send(item) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(`./?lang=${encodeURIComponent(item.lang)}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          Authorization: `Bearer ${item.token}`,
          "Idempotency-Key": item.id,
        },
        body: JSON.stringify(item.data),
        credentials: "omit",
        cache: "no-store",
        signal: abort.signal,
      });
      const body = await response.json().catch(() => ({}));
      return { status: response.status, body };
    } catch (e) {
      return { status: 0, body: {} };
    } finally {
      clearTimeout(timer);
    }
  }

  // navigator.onLine and the "online" event are hints only (a page opened offline may think it
  // is online), so a failure also schedules its own retry, sooner at first.
  function later() {
    clearTimeout(retry);
    retry = setTimeout(flush, backoff);
    backoff = Math.min(backoff * 2, RETRY_MS);
  }

  const stored = (s) => s === 200 || s === 201;
  // Not reached, timed out, rate-limited or a server fault: the same request may work later.
  const retryable = (s) => s === 0 || s === 408 || s === 429 || s >= 500;

  async function flush() {
    if (flushing) return;
    if (!navigator.onLine) {
      if (read(QUEUE).length) later();
      return;
    }
    flushing = true;
    try {
      for (const item of read(QUEUE)) {
        const result = await send(item);
        if (stored(result.status)) {
          drop(item.id);
          sentNow += 1;
        } else if (retryable(result.status)) {
          later();
          break; // still unreachable: try the rest later, in order
        } else {
          drop(item.id); // refused for good (bad link, bad answer): tell the supporter, never resend
          refuse(item, result.body);
        }
      }
    } finally {
      flushing = false;
      if (!read(QUEUE).length) {
        queuedNow = false;
        backoff = FIRST_RETRY_MS;
      }
      render();
    }
  }

  // The answers in the shape the server's JSON API takes: checkbox groups as lists, blanks left out.
  function answers() {
    const data = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === "hidden" || el.type === "submit") continue;
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else if ((el.type !== "radio" || el.checked) && el.value.trim() !== "") {
        data[el.name] = el.value;
      }
    }
    for (const key of Object.keys(data)) if (Array.isArray(data[key]) && !data[key].length) delete data[key];
    return data;
  }

  if (form) {
    const id = form.elements.submission_id;
    const button = form.querySelector("button[type=submit]");
    // A page opened from the phone's cache carries an id that may have been sent already.
    id.value = uuid();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (button.disabled) return; // a double tap sends once
      const item = {
        id: id.value,
        token: form.elements.t.value,
        lang: document.documentElement.lang || "en",
        day: form.elements.occurred_on ? form.elements.occurred_on.value : "",
        data: answers(),
      };
      keep(item); // on the phone before anything else: closing the page now loses nothing
      button.disabled = true;
      render(say.sending);
      const result = await send(item);
      button.disabled = false;
      if (stored(result.status)) {
        drop(item.id);
        const query = new URLSearchParams({ t: item.token, lang: item.lang });
        window.location.assign(`thanks?${query}`);
      } else if (retryable(result.status)) {
        queuedNow = true;
        later();
        form.reset(); // ready for the next one, under a new id
        id.value = uuid();
        render();
        window.scrollTo(0, 0);
      } else {
        // The server said no (an answer to fix, a revoked link): let it show its own page,
        // with the answers kept and each message beside its question.
        drop(item.id);
        form.submit();
      }
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  render();
  flush();

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
})();
