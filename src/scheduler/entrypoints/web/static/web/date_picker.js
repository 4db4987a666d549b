// A date picker in the Jalali calendar for Persian pages; English pages keep the browser's own
// <input type="date">. The page's input stays the value the server and the scripts read: an ISO
// yyyy-mm-dd (a hidden input now, with its name and id), and setting its value from a script
// shows the new date. In front of it: a field that takes a typed Jalali date (۱۴۰۵/۰۹/۱۶, with
// either digits) and a button opening a month grid, usable by keyboard (the arrows move by a
// day or a week, Page Up/Down by a month, Home/End to the week's ends, Enter picks, Escape
// closes) and by touch, as the WAI-ARIA date picker dialog pattern describes it.
import {
  PERSIAN, WEEK_START, addDays, addMonths, calendarMonth, dayLabel, digits, monthLabel, numericDate,
  parseDate, startOfWeek, weekdayLetter, weekdayName,
} from "./local_dates.js";

const valueProperty = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
let serial = 0;

function make(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) node.setAttribute(name, "");
    else if (value !== false && value != null) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

// Today on the clinic's calendar where the page is about one (its data-timezone): a reader
// abroad, or a computer with a wrong zone, would otherwise be a day off around midnight. The
// browser's own day elsewhere.
function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  } catch {
    return null; // no zone, or one this browser does not know
  }
}

const today = () => {
  const zone = document.querySelector("[data-timezone]")?.dataset.timezone;
  const inClinic = zone ? todayIn(zone) : null;
  if (inClinic) return inClinic;
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
};

/** Puts a Jalali picker in front of ``input`` (an <input type="date">) on a Persian page;
 * elsewhere leaves it as it is. Returns the input. */
export function datePicker(input) {
  if (!PERSIAN || input.dataset.picker || input.type !== "date") return input;
  input.dataset.picker = "jalali";
  const id = `date-picker-${serial += 1}`;
  const { min, max } = input;
  const labels = [...(input.labels ?? [])].filter((label) => label.htmlFor && label.htmlFor === input.id);
  input.type = "hidden"; // what the form sends and the scripts read: yyyy-mm-dd

  const text = make("input", {
    id: `${id}-text`, type: "text", class: "date-text", inputmode: "numeric", autocomplete: "off", dir: "ltr",
    "aria-describedby": `${id}-hint`, // no placeholder: an example date reads as one chosen
    required: input.required, "aria-invalid": input.getAttribute("aria-invalid"),
  });
  if (input.getAttribute("aria-describedby")) {
    text.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby")} ${id}-hint`);
  }
  const hint = make("span", { id: `${id}-hint`, class: "visually-hidden" }, gettext("Year/month/day, in the Persian calendar"));
  const open = make("button", {
    type: "button", class: "date-open", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": id,
  }, make("span", { class: "date-icon", "aria-hidden": "true" }));
  const heading = make("h2", { id: `${id}-month`, class: "date-month", "aria-live": "polite" });
  const previous = make("button", { type: "button", class: "date-step step-back", "aria-label": gettext("Previous month") });
  const next = make("button", { type: "button", class: "date-step step-forward", "aria-label": gettext("Next month") });
  const grid = make("table", { role: "grid", "aria-labelledby": `${id}-month` });
  const dialog = make("div", { id, class: "date-dialog", role: "dialog", "aria-modal": "false", "aria-label": gettext("Choose a date"), hidden: true },
    make("div", { class: "date-head" }, previous, heading, next),
    grid,
    make("div", { class: "date-foot" },
      make("button", { type: "button", class: "link date-today" }, gettext("Today")),
      make("button", { type: "button", class: "link date-close" }, gettext("Close"))),
    make("p", { class: "hint date-keys" }, gettext("Arrows move by a day or a week, Page Up and Page Down by a month; Enter picks, Escape closes.")));
  const holder = make("span", { class: "date-picker" }, text, open, hint, dialog);
  input.after(holder);
  for (const label of labels) label.htmlFor = text.id; // a hidden input is no label's

  let focused = null; // the day the grid's focus is on, yyyy-mm-dd

  const within = (ymd) => (!min || ymd >= min) && (!max || ymd <= max);
  const current = () => valueProperty.get.call(input);

  function show() {
    const value = current();
    text.value = value ? numericDate(value) : "";
    open.setAttribute("aria-label", value
      ? interpolate(gettext("Choose a date, now %(date)s"), { date: `\u2068${dayLabel(value, { year: true })}\u2069` }, true)
      : gettext("Choose a date"));
  }

  // The scripts set the value (a day back, today): what is shown follows.
  Object.defineProperty(input, "value", {
    configurable: true,
    get: () => current(),
    set: (value) => { valueProperty.set.call(input, value); show(); if (!dialog.hidden) draw(value || today()); },
  });
  input.focus = (options) => text.focus(options);

  function choose(ymd) {
    if (!ymd || !within(ymd)) return false;
    pick(ymd);
    return true;
  }

  function pick(ymd) {
    if (ymd !== current()) {
      valueProperty.set.call(input, ymd);
      show();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    } else show();
    text.removeAttribute("aria-invalid");
  }

  function draw(day) {
    focused = day;
    const month = calendarMonth(day);
    heading.textContent = monthLabel(day);
    const first = startOfWeek(month.first, WEEK_START);
    const last = addDays(month.first, month.length - 1);
    const head = make("tr", {}, ...[0, 1, 2, 3, 4, 5, 6].map((n) => {
      const ymd = addDays(first, n);
      return make("th", { scope: "col", abbr: weekdayName(ymd) }, make("span", { "aria-hidden": "true" }, weekdayLetter(ymd)),
        make("span", { class: "visually-hidden" }, weekdayName(ymd)));
    }));
    const rows = [];
    for (let week = first; week <= last; week = addDays(week, 7)) {
      rows.push(make("tr", {}, ...[0, 1, 2, 3, 4, 5, 6].map((n) => {
        const ymd = addDays(week, n);
        if (ymd < month.first || ymd > last) return make("td", { class: "outside" });
        const button = make("button", {
          type: "button", "data-date": ymd, tabindex: ymd === day ? "0" : "-1",
          "aria-label": dayLabel(ymd, { year: true }),
          "aria-current": ymd === today() ? "date" : null, disabled: !within(ymd),
        }, digits(calendarMonth(ymd).day));
        return make("td", { role: "gridcell", "aria-selected": String(ymd === current()) }, button);
      })));
    }
    grid.replaceChildren(make("thead", {}, head), make("tbody", {}, ...rows));
  }

  function focusDay(day) {
    if (grid.querySelector(`[data-date="${day}"]`) === null) draw(day);
    for (const button of grid.querySelectorAll("button[data-date]")) button.tabIndex = button.dataset.date === day ? 0 : -1;
    focused = day;
    grid.querySelector(`[data-date="${day}"]`)?.focus();
  }

  function openDialog() {
    draw(current() || today());
    dialog.hidden = false;
    open.setAttribute("aria-expanded", "true");
    focusDay(focused);
    document.addEventListener("pointerdown", outside, true);
  }

  function close({ refocus = true } = {}) {
    if (dialog.hidden) return;
    dialog.hidden = true;
    open.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", outside, true);
    if (refocus) open.focus();
  }

  function outside(event) { if (!holder.contains(event.target)) close({ refocus: false }); }

  open.addEventListener("click", () => (dialog.hidden ? openDialog() : close()));
  previous.addEventListener("click", () => draw(addMonths(focused, -1)));
  next.addEventListener("click", () => draw(addMonths(focused, 1)));
  dialog.querySelector(".date-today").addEventListener("click", () => { if (choose(today())) close(); });
  dialog.querySelector(".date-close").addEventListener("click", () => close());
  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-date]");
    if (button && choose(button.dataset.date)) close();
  });

  // In a right-to-left grid the next day is to the left.
  const forward = document.documentElement.dir === "rtl" ? "ArrowLeft" : "ArrowRight";
  const back = forward === "ArrowLeft" ? "ArrowRight" : "ArrowLeft";
  grid.addEventListener("keydown", (event) => {
    const day = event.target.closest?.("button[data-date]")?.dataset.date;
    if (!day) return;
    const moves = {
      [forward]: () => addDays(day, 1),
      [back]: () => addDays(day, -1),
      ArrowDown: () => addDays(day, 7),
      ArrowUp: () => addDays(day, -7),
      PageDown: () => addMonths(day, event.shiftKey ? 12 : 1),
      PageUp: () => addMonths(day, event.shiftKey ? -12 : -1),
      Home: () => startOfWeek(day, WEEK_START),
      End: () => addDays(startOfWeek(day, WEEK_START), 6),
    };
    if (moves[event.key]) { event.preventDefault(); focusDay(moves[event.key]()); }
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
  });
  holder.addEventListener("focusout", (event) => {
    if (!dialog.hidden && event.relatedTarget && !holder.contains(event.relatedTarget)) close({ refocus: false });
  });

  // A typed date counts once it is whole; a date that is not one is said, and the last good
  // one stays what the form sends.
  text.addEventListener("change", () => {
    if (!text.value.trim() && !input.required) { pick(""); return; }
    const ymd = parseDate(text.value);
    if (ymd && choose(ymd)) return;
    text.setAttribute("aria-invalid", "true");
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && event.altKey) { event.preventDefault(); openDialog(); }
    if (event.key === "Enter") {
      const ymd = parseDate(text.value);
      if (ymd && ymd !== current()) { event.preventDefault(); text.dispatchEvent(new Event("change")); }
    }
  });

  show();
  return input;
}

/** Every date input on the page (the server's forms), at once. */
export function datePickers(root = document) {
  for (const input of root.querySelectorAll('input[type="date"]')) datePicker(input);
}

// The server's forms: every date input there is when the page loads.
datePickers();
