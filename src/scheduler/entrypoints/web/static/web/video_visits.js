// Video visits: the "Join" link appears by itself when the room opens (10 minutes before the
// start) and goes at the end, with no reload. The server gives a room's address only from then,
// and only to the visit's patient and doctor, so the page asks for it when the time comes.
// "My appointments" draws its rows on the server (with data-video); on the doctor's day, the
// day's own script draws them, and this one marks the video visits among them from the API.
import { api, el } from "./live.js";

// A timer for each room about to open; this sweep catches a sleeping laptop or a late tab.
const SWEEP_MS = 15_000;
const SOON_MS = 60 * 60 * 1000;

function joinLink(url) {
  return el("a", { class: "button primary join", href: url, target: "_blank", rel: "noopener noreferrer" }, gettext("Join video visit"));
}

async function refresh(box) {
  const now = Date.now();
  const opens = Date.parse(box.dataset.opens);
  const ends = Date.parse(box.dataset.ends);
  const link = box.querySelector("a.join");
  if (now >= ends) { link?.remove(); box.querySelector(".opens")?.remove(); return; }
  if (now < opens) {
    if (opens - now < SOON_MS && !box.dataset.timer) {
      box.dataset.timer = "1";
      setTimeout(() => refresh(box), opens - now + 250);
    }
    return;
  }
  if (link || box.dataset.asking) return;
  if (box.dataset.reload) { // a signed link's page has no API session: the server draws it anew
    if (box.querySelector(".opens")) location.reload(); // once: after it, no time is awaited
    return;
  }
  box.dataset.asking = "1";
  const reply = await api("GET", `/api/appointments/${box.dataset.video}/`);
  delete box.dataset.asking;
  if (!reply.ok || !reply.data.video_url || box.querySelector("a.join")) return;
  box.querySelector(".opens")?.remove();
  box.append(joinLink(reply.data.video_url));
}

function refreshAll() {
  for (const box of document.querySelectorAll("[data-video]")) refresh(box);
}

// The doctor's day: its rows are redrawn with every change, so each redraw is marked again.
const day = document.getElementById("day");
if (day) {
  let range = "";
  let seen = new Set(); // every appointment of the range, so a new one asks the API again
  let videos = new Map(); // appointment id -> the API's row, for the video visits

  const mark = () => {
    for (const item of day.querySelectorAll("li[data-appointment]")) {
      const row = videos.get(item.dataset.appointment);
      if (!row || item.querySelector(".video-visit")) continue;
      const box = el("span", { class: "video-visit", "data-video": row.id, "data-opens": row.video_opens_at, "data-ends": row.end },
        el("span", { class: "badge video" }, gettext("Video visit")));
      if (row.video_url && Date.now() < Date.parse(row.end)) box.append(joinLink(row.video_url));
      const actions = item.querySelector(".actions");
      if (actions) actions.before(box); else item.append(box);
      refresh(box);
    }
  };

  const load = async () => {
    const days = [...day.querySelectorAll("section[data-day]")].map((section) => section.dataset.day);
    if (!days.length) return;
    const wanted = `${days[0]}/${days.at(-1)}`;
    const ids = [...day.querySelectorAll("li[data-appointment]")].map((item) => item.dataset.appointment);
    if (wanted === range && ids.every((id) => seen.has(id))) { mark(); return; }
    range = wanted;
    const reply = await api("GET", `/api/appointments/?from=${days[0]}&to=${days.at(-1)}&limit=100`);
    if (!reply.ok) return;
    seen = new Set(reply.data.results.map((row) => row.id));
    videos = new Map(reply.data.results.filter((row) => row.visit_mode === "video").map((row) => [row.id, row]));
    mark();
  };

  new MutationObserver(load).observe(day, { childList: true });
  load();
}

refreshAll();
setInterval(refreshAll, SWEEP_MS);
