// A canvas a room can read: the seafood sample as a new user meets it, bundled
// flows, focus, presentation mode and the first-launch guide. Screenshots at
// 1280×800 and 1024×768 in both themes, checked in the page for overlapping
// labels and for text drawn over system boxes.
import { join } from "node:path";

export default function ({ test, expect, browser, base, shots }) {
  async function open(query, viewport, theme = "light") {
    const page = await browser.newPage({ viewport, colorScheme: theme });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.addInitScript((t) => localStorage.setItem("charter-theme", t), theme);
    await page.goto(base + query);
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    await page.waitForSelector('.react-flow__node[data-id="erp"]');
    // Let the fit settle.
    await page.waitForTimeout(400);
    return { page, errors };
  }

  /** Boxes (page pixels) of system names, system boxes and flow/bundle labels, and what overlaps. */
  const audit = (page) =>
    page.evaluate(() => {
      const box = (el) => {
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height };
      };
      const flow = document.querySelector(".canvas-flow").getBoundingClientRect();
      const inside = (b) => b.x >= flow.x - 1 && b.y >= flow.y - 1 && b.x + b.w <= flow.x + flow.width + 1 && b.y + b.h <= flow.y + flow.height + 1;
      const hit = (a, b) => a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
      const labels = [...document.querySelectorAll('[data-testid="flow-label"], [data-testid="bundle-label"]')].map((el) => ({ id: el.dataset.id, b: box(el.querySelector(".flow-label-bg")) }));
      const systems = [...document.querySelectorAll(".react-flow__node")].map((el) => ({ id: el.dataset.id, b: box(el) }));
      const names = [...document.querySelectorAll('.react-flow__node [data-testid="system-name"]')].map((el) => ({
        id: el.closest(".react-flow__node").dataset.id,
        text: el.textContent,
        b: box(el),
        clipped: el.scrollWidth > el.clientWidth + 1,
        size: parseFloat(getComputedStyle(el).fontSize) * (el.getBoundingClientRect().height / el.offsetHeight || 1),
      }));
      const overlaps = [];
      for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) if (hit(labels[i].b, labels[j].b)) overlaps.push(`${labels[i].id} × ${labels[j].id}`);
      const overBoxes = [];
      for (const l of labels) for (const s of systems) if (hit(l.b, s.b)) overBoxes.push(`${l.id} over ${s.id}`);
      return {
        labels: labels.length,
        overlaps,
        overBoxes,
        names: names.map((n) => ({ id: n.id, text: n.text, clipped: n.clipped, visible: inside(n.b), px: Math.round(n.size * 10) / 10 })),
        labelsOutside: labels.filter((l) => !inside(l.b)).map((l) => l.id),
        zoom: window.__charterFlow?.getZoom(),
      };
    });

  for (const [w, h] of [
    [1280, 800],
    [1024, 768],
  ]) {
    for (const theme of ["light", "dark"]) {
      test(`seafood sample at ${w}×${h} (${theme}): every system name and bundle label legible, none overlapping, none over a box`, async () => {
        const { page, errors } = await open("?sample=seafood", { width: w, height: h }, theme);
        await page.screenshot({ path: join(shots, `20-seafood-${w}x${h}-${theme}.png`) });
        const a = await audit(page);
        console.log(`     ${w}×${h} ${theme}: zoom ${a.zoom?.toFixed(2)}, ${a.labels} labels`);
        expect(a.names.length === 7, `7 systems drawn (${a.names.length})`);
        const bad = a.names.filter((n) => n.clipped || !n.visible);
        expect(bad.length === 0, `system names clipped or off screen: ${JSON.stringify(bad)}`);
        expect(a.labels > 0 && a.labelsOutside.length === 0, `bundle labels off screen: ${a.labelsOutside}`);
        expect(a.overlaps.length === 0, `overlapping labels: ${a.overlaps.join("; ")}`);
        expect(a.overBoxes.length === 0, `labels over system boxes: ${a.overBoxes.join("; ")}`);
        expect(errors.length === 0, `page errors: ${errors}`);
        await page.close();
      });
    }
  }
}
