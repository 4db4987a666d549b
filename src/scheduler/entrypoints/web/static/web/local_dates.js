// Dates and times as a person reads them, the browser's half of adapters/local_dates.py: a
// Persian page reads the Solar Hijri (Jalali) calendar, Persian month and weekday names and
// Persian digits, with weeks from Saturday; an English page, Gregorian with Latin digits.
// Values stay ISO (yyyy-mm-dd, instants in UTC); these strings are only ever shown.
//
// The calendar arithmetic is the browser's (Intl's "persian" calendar). Its ready-made
// Persian patterns are not used whole: with a year Chromium writes "۱۴۰۵ آذر ۱۶, دوشنبه", and
// its weekday names lack the half-space (یکشنبه); the server writes "دوشنبه ۱۶ آذر ۱۴۰۵".

export const LANGUAGE = document.documentElement.lang || "en";
export const PERSIAN = LANGUAGE.toLowerCase().split("-")[0] === "fa";

// As JavaScript counts weekdays: 0 = Sunday ... 6 = Saturday.
export const WEEK_START = PERSIAN ? 6 : 1;
const PERSIAN_WEEKDAYS = ["یک‌شنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه", "شنبه"];
// A month's grid heads its columns with one letter, as Iranian wall calendars do.
const PERSIAN_WEEKDAY_LETTERS = ["ی", "د", "س", "چ", "پ", "ج", "ش"];

const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
const toPersian = (text) => String(text).replace(/[0-9]/g, (d) => PERSIAN_DIGITS[d]);
const toLatin = (text) => String(text)
  .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06F0))
  .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660));

/** Persian digits on a Persian page; Latin ones otherwise (whatever the input had). */
export const digits = (text) => (PERSIAN ? toPersian(text) : toLatin(text));
/** What a person typed with either digits, as a parser reads it. */
export const latinDigits = toLatin;

const noon = (ymd) => new Date(`${ymd}T12:00:00Z`);
const ymdOf = (date) => date.toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

export function addDays(ymd, n) {
  const d = noon(ymd);
  d.setUTCDate(d.getUTCDate() + n);
  return ymdOf(d);
}

/** The weekday of a calendar day, 0 = Sunday ... 6 = Saturday. */
export const weekday = (ymd) => noon(ymd).getUTCDay();

/** The first day of the week ``ymd`` falls in (``start``: its first weekday). */
export const startOfWeek = (ymd, start = WEEK_START) => addDays(ymd, -((weekday(ymd) - start + 7) % 7));

const jalaliParts = new Intl.DateTimeFormat("en-u-ca-persian-nu-latn", {
  timeZone: "UTC", year: "numeric", month: "numeric", day: "numeric",
});
const persianMonth = new Intl.DateTimeFormat("fa-IR-u-ca-persian", { timeZone: "UTC", month: "long" });

/** {year, month, day} of a Gregorian yyyy-mm-dd in the Jalali calendar. */
export function jalali(ymd) {
  const parts = Object.fromEntries(jalaliParts.formatToParts(noon(ymd)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

// 1 Farvardin of a Jalali year falls on 19-22 March of the Gregorian year 621 later.
const nowruzCache = new Map();
function nowruz(year) {
  if (!nowruzCache.has(year)) {
    const found = [19, 20, 21, 22].map((d) => ymdOf(new Date(Date.UTC(year + 621, 2, d, 12))))
      .find((ymd) => { const j = jalali(ymd); return j.month === 1 && j.day === 1; });
    nowruzCache.set(year, found);
  }
  return nowruzCache.get(year);
}

/** Days in a Jalali month: 31 in the first six, 30 in the next five, 29 or 30 in Esfand. */
export function jalaliMonthLength(year, month) {
  if (month <= 6) return 31;
  if (month <= 11) return 30;
  return Math.round((noon(nowruz(year + 1)) - noon(nowruz(year))) / DAY_MS) - 336;
}

/** The Gregorian yyyy-mm-dd of a Jalali date, or null if there is no such day. */
export function gregorian(year, month, day) {
  if (!Number.isInteger(year) || year < 1 || year > 9000 || !(month >= 1 && month <= 12)) return null;
  if (!Number.isInteger(day) || day < 1 || day > jalaliMonthLength(year, month)) return null;
  const before = month <= 7 ? (month - 1) * 31 : 186 + (month - 7) * 30;
  return addDays(nowruz(year), before + day - 1);
}

/** The page's calendar: month and year of a day, as the month grid of a picker needs them. */
export function calendarMonth(ymd) {
  if (PERSIAN) {
    const j = jalali(ymd);
    return { year: j.year, month: j.month, day: j.day, first: gregorian(j.year, j.month, 1), length: jalaliMonthLength(j.year, j.month) };
  }
  const d = noon(ymd);
  const length = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), first: ymd.slice(0, 8) + "01", length };
}

/** The same day of the month ``n`` months on (the month's last day when it is shorter). */
export function addMonths(ymd, n) {
  const { year, month, day } = calendarMonth(ymd);
  const index = year * 12 + (month - 1) + n;
  const [y, m] = [Math.floor(index / 12), (index % 12) + 1];
  if (PERSIAN) return gregorian(y, m, Math.min(day, jalaliMonthLength(y, m)));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return ymdOf(new Date(Date.UTC(y, m - 1, Math.min(day, last), 12)));
}

const englishLabel = new Intl.DateTimeFormat("en", { timeZone: "UTC", weekday: "short", month: "short", day: "numeric" });
const englishLabelYear = new Intl.DateTimeFormat("en", { timeZone: "UTC", weekday: "short", month: "short", day: "numeric", year: "numeric" });
const englishMonth = new Intl.DateTimeFormat("en", { timeZone: "UTC", month: "long", year: "numeric" });
const englishWeekday = new Intl.DateTimeFormat("en", { timeZone: "UTC", weekday: "long" });
const englishMonthName = new Intl.DateTimeFormat("en", { timeZone: "UTC", month: "long" });
// "Thursday 3 December": the server's day_label, without the year.
const englishDay = (ymd) => `${englishWeekday.format(noon(ymd))} ${noon(ymd).getUTCDate()} ${englishMonthName.format(noon(ymd))}`;

/** A weekday's name: "Monday" / "دوشنبه". */
export const weekdayName = (ymd) => (PERSIAN ? PERSIAN_WEEKDAYS[weekday(ymd)] : englishWeekday.format(noon(ymd)));

/** A weekday's short heading in a month grid: "M" / "د". */
export const weekdayLetter = (ymd) => (PERSIAN ? PERSIAN_WEEKDAY_LETTERS[weekday(ymd)] : weekdayName(ymd).slice(0, 2));

/** "دوشنبه ۱۶ آذر ۱۴۰۵" / "Mon, Dec 7, 2026"; without the year unless asked. */
export function dayLabel(ymd, { year = false } = {}) {
  if (!PERSIAN) return (year ? englishLabelYear : englishLabel).format(noon(ymd));
  const j = jalali(ymd);
  return toPersian([PERSIAN_WEEKDAYS[weekday(ymd)], j.day, persianMonth.format(noon(ymd)), ...(year ? [j.year] : [])].join(" "));
}

/** The month a day falls in: "آذر ۱۴۰۵" / "December 2026". */
export function monthLabel(ymd) {
  if (!PERSIAN) return englishMonth.format(noon(ymd));
  return toPersian(`${persianMonth.format(noon(ymd))} ${jalali(ymd).year}`);
}

/** A date as a person types it: "۱۴۰۵/۰۹/۱۶" / "2026-12-07". */
export function numericDate(ymd) {
  if (!PERSIAN) return ymd;
  const j = jalali(ymd);
  return toPersian(`${j.year}/${String(j.month).padStart(2, "0")}/${String(j.day).padStart(2, "0")}`);
}

/** What a person typed ("1405/9/16", "۱۴۰۵-۰۹-۱۶"), read in the page's calendar; null if
 * it is no date. */
export function parseDate(text) {
  const match = toLatin(text).trim().match(/^(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})$/);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  if (PERSIAN) return gregorian(year, month, day);
  const date = new Date(Date.UTC(year, month - 1, day, 12));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? ymdOf(date) : null;
}

/** Times shown on the clinic's clock (``timeZone``), in the page's calendar and digits. */
export function clock(timeZone) {
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  const zone = {
    time: (iso) => digits(time.format(new Date(iso))),          // "۱۴:۳۰" / "14:30"
    day: (iso) => day.format(new Date(iso)),                     // YYYY-MM-DD on the clinic's calendar
    dayLabel: (ymd, options) => dayLabel(ymd, options),
    // "دوشنبه ۱۶ آذر" / "Monday 7 December": the day as ``moment`` says it; with the year,
    // as the server's day_label says it.
    longDay: (ymd, { year = false } = {}) => (PERSIAN ? dayLabel(ymd, { year })
      : `${englishDay(ymd)}${year ? ` ${noon(ymd).getUTCFullYear()}` : ""}`),
    // "دوشنبه ۱۶ آذر، ساعت ۱۴:۳۰" / "Monday 7 December, 14:30": the server's moment_label
    // without the year (a time that near needs none).
    moment: (iso) => (PERSIAN
      ? `${zone.longDay(zone.day(iso))}، ساعت ${zone.time(iso)}`
      : `${zone.longDay(zone.day(iso))}, ${zone.time(iso)}`),
  };
  return zone;
}
