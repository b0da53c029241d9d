/* Side-by-Side interaction log: send the form with fetch, and keep on the phone what cannot be
   sent (offline, timeout, server error) until it can, with its original submission id so the
   server stores it once. One request per tap: the form is posted as the plain form would be,
   and an answer to fix comes back as the server's own page, shown in place. A fresh form's
   date is the phone's today in the program's time zone. Without this script the form still
   works as a plain POST. A queued one the server refuses stays on the phone, shown with the
   server's reason, until the supporter opens it to fix (the server's own page, answers kept) or
   discards it: it is never dropped unseen. Messages come from #status's data-* attributes. */
(() => {
  "use strict";
  const QUEUE = "sbs-log-queue"; // submissions waiting to be sent: [{id, token, lang, day, made, data}]
  const REFUSED = "sbs-log-refused"; // queued ones the server refused, kept to fix: the same, with message
  const TIMEOUT_MS = 15000;
  const RETRY_MS = 30000; // a steady retry, whatever the browser thinks of the connection
  const FIRST_RETRY_MS = 5000; // after a failure: 5 s, 10 s, 20 s ... up to RETRY_MS
  if (!document.getElementById("status") || !window.localStorage || !window.fetch) return;
  // Looked up when used: a page sent back to fix replaces <main> and everything in it.
  const $ = (id) => document.getElementById(id);
  const say = $("status").dataset;
  let flushing = false;
  let backoff = FIRST_RETRY_MS;
  let retry = null;
  let queuedNow = false;
  let sentNow = 0;
  let fixing = null; // the refused entry whose page is shown to fix (it may come back under a new id)

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
  const without = (key, id) => read(key).filter((i) => i.id !== id);
  const keep = (item) => write(QUEUE, without(QUEUE, item.id).concat([item]));
  const unqueue = (id) => write(QUEUE, without(QUEUE, id));
  // Stored, sent again under its id, or discarded by the supporter: nothing left to fix.
  const forget = (id) => {
    unqueue(id);
    write(REFUSED, without(REFUSED, id));
  };

  function refuse(item, body) {
    const details = Object.values((body && body.errors) || {}).flat().join(" ");
    const message = [(body && body.message) || "", details].join(" ").trim();
    unqueue(item.id);
    write(REFUSED, without(REFUSED, item.id).concat([{ ...item, message }]));
  }

  function line(text) {
    const p = document.createElement("p");
    p.className = "notice";
    p.textContent = text;
    $("status").appendChild(p);
    return p;
  }

  function choice(text, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "quiet";
    b.textContent = text;
    b.addEventListener("click", action);
    $("status").appendChild(b);
  }

  function render(text) {
    const status = $("status");
    if (!status) return; // a page without one (a refused link) was shown in place
    status.textContent = "";
    if (text) line(text);
    const pending = read(QUEUE).length;
    if (queuedNow && pending) line(say.queued);
    else if (pending) line(fill(say.pending, { n: pending }));
    if (sentNow) line(fill(say.sent, { n: sentNow }));
    for (const r of read(REFUSED)) {
      line(fill(say.refused, { date: r.day, message: r.message }));
      if (r.data) choice(say.fix, () => fix(r));
      choice(say.discard, () => {
        forget(r.id);
        render();
      });
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
        // The day it was filled in: a due date is judged against that day, not the day it is sent.
        body: JSON.stringify({ ...item.data, entered_on: item.made || item.day || undefined }),
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
          forget(item.id);
          sentNow += 1;
          showCount(result.body.logged_this_month);
        } else if (retryable(result.status)) {
          later();
          break; // still unreachable: try the rest later, in order
        } else {
          refuse(item, result.body); // refused (a bad answer, a bad link): kept to fix, never resent as is
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

  // "Logged this month", as the server counted it after storing what was sent.
  function showCount(n) {
    const count = $("count");
    if (count && Number.isInteger(n)) count.textContent = fill(say.count, { count: n });
  }

  // Today where the program runs (data-tz), as YYYY-MM-DD, from the phone's clock.
  function today(tz) {
    try {
      const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date());
      const get = (type) => parts.find((p) => p.type === type).value;
      return `${get("year")}-${get("month")}-${get("day")}`;
    } catch (e) {
      return ""; // an unknown zone: the server's date stays
    }
  }

  // A fresh form's date (and its picker's upper bound) is today on the phone, not the day the
  // page was made: a form cached by the service worker may be opened days later. A date the
  // supporter changed is left alone.
  function freshDate(form) {
    const date = form && form.dataset.tz && form.elements.occurred_on;
    if (!date) return;
    const day = today(form.dataset.tz);
    if (!day) return;
    if (date.value === date.defaultValue) date.value = day;
    date.defaultValue = day; // form.reset() ("log another") comes back to it
    date.max = day;
  }

  // The answers in the shape the server's JSON API takes: checkbox groups as lists, blanks left out.
  function answers(form) {
    const data = {};
    for (const el of form.elements) {
      // The page's own hidden fields (the token, the id) travel in headers; "follows" is an answer.
      if (!el.name || el.disabled || el.name === "t" || el.name === "submission_id" || el.type === "submit") continue;
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

  // One POST of a form's fields as the browser would send them, answered with HTML. Resolves to
  // {status, stored, html}: a redirect (to the thanks page) means stored; status 0 means the
  // server was not reached (offline, timed out).
  async function post(fields, lang) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(`./?lang=${encodeURIComponent(lang)}`, {
        method: "POST",
        headers: { Accept: "text/html" },
        body: fields,
        credentials: "omit",
        cache: "no-store",
        redirect: "manual", // the 303 to the thanks page is the answer: no second request for it
        signal: abort.signal,
      });
      if (response.type === "opaqueredirect") return { status: 303, stored: true, html: "" };
      return { status: response.status, stored: false, html: await response.text() };
    } catch (e) {
      return { status: 0, stored: false, html: "" };
    } finally {
      clearTimeout(timer);
    }
  }

  // The server's page (answers to fix, a refused link) in place of this one's <main>: the
  // same page a plain form post shows, without posting again.
  function show(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = page.querySelector("main");
    if (!main) return false;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = page.title;
    const summary = $("error-summary");
    if (summary) summary.focus();
    else window.scrollTo(0, 0);
    freshDate($("log"));
    render();
    return true;
  }

  function thanks(item) {
    window.location.assign(`thanks?${new URLSearchParams({ t: item.token, lang: item.lang })}`);
  }

  // A refused entry, posted as the form would post it: the server's page comes back with its
  // answers in the form and each message beside its question (or, fixed meanwhile, it is stored).
  async function fix(item) {
    const fields = new URLSearchParams({ t: item.token, submission_id: item.id });
    for (const [name, value] of Object.entries(item.data)) [].concat(value).forEach((v) => fields.append(name, v));
    render(say.sending);
    const result = await post(fields, item.lang);
    if (result.stored) {
      forget(item.id);
      thanks(item);
    } else if (retryable(result.status) || !show(result.html)) render(); // still kept
    else fixing = item.id;
  }

  function fresh(form) {
    form.reset(); // ready for the next one, under a new id
    form.elements.submission_id.value = uuid();
    freshDate(form);
  }

  async function submit(form) {
    const id = form.elements.submission_id;
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return; // a double tap sends once
    const item = {
      id: id.value,
      token: form.elements.t.value,
      lang: document.documentElement.lang || "en",
      day: form.elements.occurred_on ? form.elements.occurred_on.value : "",
      made: today(form.dataset.tz || undefined), // the program's zone, else the phone's
      data: answers(form),
    };
    keep(item); // on the phone before anything else: closing the page now loses nothing
    button.disabled = true;
    render(say.sending);
    const result = await post(new URLSearchParams(new FormData(form)), item.lang);
    button.disabled = false;
    if (result.stored) {
      forget(item.id);
      if (fixing) forget(fixing);
      thanks(item);
    } else if (retryable(result.status)) {
      queuedNow = true; // sent later as JSON under the same id: stored once, whatever happened
      // A refused entry fixed: these answers replace it.
      for (const done of [item.id, fixing]) if (done) write(REFUSED, without(REFUSED, done));
      fixing = null;
      later();
      fresh(form);
      render();
      window.scrollTo(0, 0);
    } else {
      // The server said no (an answer to fix, a revoked link): its page, with the answers kept
      // and each message beside its question, shown from this one response. (A refused entry
      // being fixed stays kept until it is stored.)
      unqueue(item.id);
      if (!show(result.html)) render();
    }
  }

  // The submit listener sits on the document: a page shown in place brings a new form.
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "log") return;
    event.preventDefault();
    submit(event.target);
  });

  // The summary's links move focus to the question (its first control), with its label or
  // legend in view, as the GOV.UK Design System's error summary does.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
    if (!link) return;
    const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    const control = target.matches("input, textarea, select") ? target : target.querySelector("input, textarea, select");
    if (!control) return;
    event.preventDefault();
    const caption = target.tagName === "FIELDSET" ? target.querySelector("legend") : document.querySelector(`label[for="${CSS.escape(target.id)}"]`);
    (caption || target).scrollIntoView();
    control.focus({ preventScroll: true });
  });

  const form = $("log");
  if (form) {
    // A page opened from the phone's cache carries an id that may have been sent already.
    form.elements.submission_id.value = uuid();
    freshDate(form);
  }
  // A form left open overnight: its untouched date moves to the new day when shown again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") freshDate($("log"));
  });

  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  render();
  flush();

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
})();
