// The private calendar link: make (or make anew), copy, turn off, through the API. The link is
// shown once, right after it is made: the server keeps only a digest of its secret.
import { api, errorText, say } from "./live.js";

const root = document.getElementById("calendar-feed");
const state = document.getElementById("feed-state");
const box = document.getElementById("feed-new");
const field = document.getElementById("feed-url");
const create = document.getElementById("feed-create");
const revoke = document.getElementById("feed-revoke");

function hasFeed(yes) {
  root.dataset.hasFeed = yes ? "yes" : "no";
  create.textContent = yes ? gettext("Make a new link") : gettext("Make my calendar link");
  revoke.hidden = !yes;
}

create.addEventListener("click", async () => {
  if (root.dataset.hasFeed === "yes"
      && !window.confirm(gettext("Make a new link? The old one stops working at once, in every app that uses it."))) return;
  create.disabled = true;
  const reply = await api("POST", "/api/me/calendar-feed/");
  create.disabled = false;
  if (!reply.ok) { say(errorText(reply.data), "error"); return; }
  field.value = reply.data.url;
  document.getElementById("feed-webcal").href = reply.data.webcal_url;
  box.hidden = false;
  state.textContent = gettext("Here is your new calendar link. Copy it now: it is shown only this once.");
  hasFeed(true);
  field.focus();
  field.select();
});

document.getElementById("feed-copy").addEventListener("click", async () => {
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    say(gettext("The link is copied."), "ok");
  } catch {
    say(gettext("Copy the selected link with Ctrl+C (or long-press on a phone)."), "info");
  }
});

revoke.addEventListener("click", async () => {
  if (!window.confirm(gettext("Turn the link off? Your calendar app will stop showing your visits."))) return;
  revoke.disabled = true;
  const reply = await api("DELETE", "/api/me/calendar-feed/");
  revoke.disabled = false;
  if (!reply.ok && reply.status !== 404) { say(errorText(reply.data), "error"); return; }
  box.hidden = true;
  field.value = "";
  state.textContent = gettext("You have no calendar link.");
  hasFeed(false);
  say(gettext("The link is off: it no longer works anywhere."), "ok");
});
