"""WCAG AA contrast, read off the page as Chromium draws it: every element that shows text is
measured against the background it sits on (the nearest ancestor with an opaque colour,
composited over white), so a colour changed in one stylesheet cannot slip below 4.5:1.
Disabled controls are measured too (WCAG exempts them): a taken slot's time is information."""

from __future__ import annotations

from playwright.sync_api import Page

AA_TEXT = 4.5
AA_LARGE_TEXT = 3.0  # 24px, or 18.66px bold (WCAG 2.x "large scale")

_MEASURE = """
(minimum) => {
  const rgba = (value) => {
    const parts = value.match(/[\\d.]+/g) || [];
    const [r, g, b] = parts.slice(0, 3).map(Number);
    return {r, g, b, a: parts.length > 3 ? Number(parts[3]) : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const luminance = ({r, g, b}) => {
    const channel = (c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) layers.push(colour);
      if (colour.a >= 1) break;
    }
    return layers.reduceRight((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const ownText = (element) => [...element.childNodes]
    .some((node) => node.nodeType === 3 && node.textContent.trim() !== "");
  const failures = [];
  for (const element of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    const shown = style.visibility !== "hidden" && style.display !== "none"
      && box.width > 0 && box.height > 0 && !element.closest("[hidden], [aria-hidden=true]");
    const field = element.matches(
      "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea");
    if (!shown || !(ownText(element) || field)) continue;
    const back = background(element);
    const fore = over(rgba(style.color), back);
    const [light, dark] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? minimum.large : minimum.text;
    if (ratio < needed) {
      const text = (element.value || element.textContent || "").trim().slice(0, 40);
      failures.push(`${element.tagName.toLowerCase()}.${element.className}: "${text}" `
        + `${style.color} on rgb(${[back.r, back.g, back.b].map(Math.round).join(", ")})`
        + ` = ${ratio.toFixed(2)}:1`);
    }
  }
  return failures;
}
"""


def low_contrast(page: Page) -> list[str]:
    """Every piece of text on ``page`` drawn below AA, described; empty when all pass."""
    return list(page.evaluate(_MEASURE, {"text": AA_TEXT, "large": AA_LARGE_TEXT}))
