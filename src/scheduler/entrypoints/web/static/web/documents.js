// An appointment's documents (the patient's files for the visit), drawn from the API on every
// page that shows them: the patient's own appointment (list, upload, remove: any
// section[data-documents] on the page), and the doctor's day and the desk (a list of downloads
// that opens on a row, by documentsToggle). Downloads are plain links to the authorized view,
// which always answers with an attachment.
import { api, el, errorText, phrase } from "./live.js";
import { PERSIAN, clock, dayLabel } from "./local_dates.js";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const listUrl = (id) => `/api/appointments/${id}/documents/`;

// "2.4 MB", "310 KB": at most one decimal, in the page's digits and decimal sign.
const number = new Intl.NumberFormat(PERSIAN ? "fa-IR" : "en", { maximumFractionDigits: 1 });
function size(bytes) {
  if (bytes >= 1024 * 1024) return interpolate(gettext("%(size)s MB"), { size: number.format(bytes / (1024 * 1024)) }, true);
  return interpolate(gettext("%(size)s KB"), { size: number.format(Math.max(1, Math.round(bytes / 1024))) }, true);
}

// The day a document came, on the reader's own clock: when they attached it, wherever they were.
const here = clock(Intl.DateTimeFormat().resolvedOptions().timeZone);

function item(entry, { onRemove = null } = {}) {
  const link = el("a", { href: entry.url, download: "", class: "doc-name" }, el("bdi", {}, entry.name));
  const about = el("span", { class: "hint doc-about" },
    phrase(gettext("%(size)s · %(day)s"), { size: size(entry.size), day: dayLabel(here.day(entry.uploaded_at), { year: true }) }));
  const remove = onRemove && entry.mine
    ? el("button", {
      type: "button", class: "danger", onclick: () => onRemove(entry),
      "aria-label": interpolate(gettext("Remove %(name)s"), { name: `\u2068${entry.name}\u2069` }, true),
    }, gettext("Remove"))
    : null;
  return el("li", { "data-document": entry.id },
    el("span", { class: `doc-kind ${entry.kind}`, "aria-hidden": "true" }, entry.kind.toUpperCase()), link, about, remove);
}

function drawList(list, entries, options) {
  list.replaceChildren(...(entries.length
    ? entries.map((entry) => item(entry, options))
    : [el("li", { class: "hint doc-none" }, gettext("No documents attached."))]));
}

// -- the patient's own appointment ----------------------------------------------------------

async function patientSection(section) {
  const id = section.dataset.documents;
  const list = section.querySelector("ul.doc-list");
  const form = section.querySelector("form.doc-upload");
  const message = section.querySelector(".doc-message");
  const tell = (text, kind) => {
    message.replaceChildren(text);
    message.className = `doc-message message ${kind}`;
    message.hidden = false;
  };

  async function refresh() {
    const reply = await api("GET", listUrl(id));
    if (reply.ok) drawList(list, reply.data, { onRemove: remove });
    else tell(errorText(reply.data), "error");
    return reply.ok;
  }

  // Asked once, on the file's own row: removing cannot be undone (the doctor no longer sees it).
  function remove(entry) {
    const row = list.querySelector(`li[data-document="${entry.id}"]`);
    const keep = el("button", { type: "button", onclick: () => { ask.remove(); row.querySelector("button.danger").focus(); } }, gettext("Keep it"));
    const ask = el("span", { class: "doc-ask" },
      el("span", {}, phrase(gettext("Remove %(name)s? Your doctor will no longer see it."), { name: entry.name })),
      el("button", { type: "button", class: "danger", onclick: () => removeNow(entry) }, gettext("Yes, remove")), keep);
    row.querySelector(".doc-ask")?.remove();
    row.append(ask);
    keep.focus();
  }

  async function removeNow(entry) {
    const reply = await api("DELETE", `${listUrl(id)}${entry.id}/`);
    if (reply.ok) tell(phrase(gettext("%(name)s was removed."), { name: entry.name }), "ok");
    else tell(errorText(reply.data), "error");
    await refresh();
    form?.querySelector("input[type=file]")?.focus();
  }

  // Said before a byte is sent: a larger body would meet the proxy's own limit (413), whose
  // answer is a page of its own, not the API's reason.
  const maxBytes = Number(form?.dataset.maxBytes);
  const tooLarge = () => interpolate(gettext("A document is at most %(megabytes)s MB."),
    { megabytes: number.format(maxBytes / (1024 * 1024)) }, true);

  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.querySelector("input[type=file]");
    const [file] = input.files;
    if (!file) { tell(gettext("Choose a file first."), "error"); input.focus(); return; }
    if (file.size > maxBytes) { tell(tooLarge(), "error"); input.focus(); return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    tell(gettext("Uploading…"), "info");
    const body = new FormData();
    body.append("file", file);
    let reply;
    try {
      const response = await fetch(listUrl(id), {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(), "Accept-Language": document.documentElement.lang },
      });
      reply = response.status === 413
        ? { ok: false, data: { detail: tooLarge() } }
        : { ok: response.ok, data: await response.json().catch(() => null) };
    } catch {
      reply = { ok: false, data: { detail: gettext("No connection to the server: nothing was changed. Try again in a moment.") } };
    }
    button.disabled = false;
    if (reply.ok) {
      form.reset();
      tell(phrase(gettext("%(name)s is attached. Your doctor and the clinic's desk can open it."), { name: reply.data.name }), "ok");
    } else {
      tell(errorText(reply.data, form), "error");
    }
    await refresh();
    input.focus();
  });

  await refresh();
}

for (const section of document.querySelectorAll("section[data-documents]")) patientSection(section);

// -- the doctor's day and the desk ----------------------------------------------------------

// Which rows have their documents open, and what was fetched: a row drawn again (live
// updates redraw whole lists) opens as it was, without asking the server again.
const opened = new Set();
const fetched = new Map();

async function fill(id, holder) {
  if (!fetched.has(id)) {
    const reply = await api("GET", listUrl(id));
    if (!reply.ok) { holder.replaceChildren(el("p", { class: "hint" }, errorText(reply.data))); return; }
    fetched.set(id, reply.data);
  }
  const list = el("ul", { class: "doc-list" });
  drawList(list, fetched.get(id), {});
  holder.replaceChildren(list);
}

/** A "Documents" disclosure for one appointment, as its button (for the row's actions) and
 * its panel (for under them): the files as download links, fetched again each time it opens. */
export function documentsToggle(id) {
  const panel = el("div", { class: "doc-panel", id: `documents-${id}` });
  const open = opened.has(id);
  panel.hidden = !open;
  const button = el("button", {
    type: "button", class: "doc-toggle", "aria-expanded": String(open), "aria-controls": panel.id,
    onclick: () => {
      const now = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(now));
      panel.hidden = !now;
      if (now) { opened.add(id); fetched.delete(id); fill(id, panel); } else opened.delete(id);
    },
  }, gettext("Documents"));
  if (open) fill(id, panel);
  return { button, panel };
}
