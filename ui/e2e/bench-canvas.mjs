// Canvas scale benchmark (not part of the normal e2e run): the built UI
// (npm run build:e2e) in headless Chromium with a mocked model of 500
// systems, 3,000 entities and 5,000 flows. Measures the initial render, then
// pans and zooms programmatically (xyflow's setViewport, once per animation
// frame) and counts requestAnimationFrame callbacks. Prints JSON.
// Usage: [BUNDLED=0] node e2e/bench-canvas.mjs [seconds=4] [systems,entities,flows=500,3000,5000]
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(here, "../dist-e2e");
const seconds = Number(process.argv[2] ?? 4);
const size = process.argv[3] ?? "500,3000,5000";
if (!existsSync(join(root, "index.html"))) {
  console.error("bench: run `npm --prefix ui run build:e2e` first");
  process.exit(1);
}
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = resolve(root, url.pathname === "/" ? "index.html" : url.pathname.slice(1));
  if (!path.startsWith(root)) return res.writeHead(403).end();
  let body;
  try {
    body = await readFile(path);
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"],
});

async function open(layout) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  // BUNDLED=0: every flow drawn (the canvas bar's "Every flow"), for a side-by-side run.
  if (process.env.BUNDLED === "0") await page.addInitScript(() => localStorage.setItem("charter-bundled", "false"));
  page.on("pageerror", (e) => console.error("page error:", String(e)));
  const t0 = Date.now();
  await page.goto(`${base}?bench=${size}${layout ? `&layout=${layout}` : ""}${process.env.BENCH_QUERY ?? ""}`);
  await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]', { timeout: 600000 });
  await page.waitForSelector(".react-flow__node, [data-testid=\"overview-flows\"]", { timeout: 600000 });
  // Two frames: the nodes are measured and painted.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return { page, ms: Date.now() - t0 };
}

/** Runs `kind` for `seconds`, moving the viewport every frame; returns frames per second and the worst frame. */
async function measure(page, kind, zoom) {
  if (zoom !== undefined) {
    // Settle at the zoom first (switching between overview and detail is a one-off, measured apart).
    const t0 = Date.now();
    await page.evaluate((zoom) => window.__charterFlow.setViewport({ ...window.__charterFlow.getViewport(), zoom }), zoom);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    out[`settleAtZoom${zoom}Ms`] = Date.now() - t0;
    await page.waitForTimeout(500);
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  const result = await page.evaluate(
    ({ kind, seconds }) =>
      new Promise((resolve) => {
        const rf = window.__charterFlow;
        const start = rf.getViewport();
        const z0 = start.zoom;
        let frames = 0;
        let worst = 0;
        let last = performance.now();
        const t0 = last;
        const step = (now) => {
          const t = (now - t0) / 1000;
          worst = Math.max(worst, now - last);
          last = now;
          frames++;
          if (kind === "pan") rf.setViewport({ x: start.x - 400 * Math.sin(t * 1.5), y: start.y - 250 * Math.sin(t), zoom: z0 });
          else rf.setViewport({ x: start.x, y: start.y, zoom: z0 * (1 + 0.6 * Math.sin(t * 1.5)) });
          if (t < seconds) requestAnimationFrame(step);
          else resolve({ fps: Math.round((frames / t) * 10) / 10, worstFrameMs: Math.round(worst), nodesInDom: document.querySelectorAll(".react-flow__node").length, edgesInDom: document.querySelectorAll(".react-flow__edge").length });
        };
        requestAnimationFrame(step);
      }),
    { kind, seconds },
  );
  // Main-thread time per frame (script, style, layout), to tell main-thread work from raster.
  const after = await metrics();
  const frames = Math.max(1, Math.round(result.fps * seconds));
  const per = (k) => Math.round(((after[k] - before[k]) * 1000 * 10) / frames) / 10;
  result.mainMsPerFrame = { task: per("TaskDuration"), script: per("ScriptDuration"), style: per("RecalcStyleDuration"), layout: per("LayoutDuration") };
  await cdp.detach();
  return result;
}

const out = { model: size, seconds };
const { page, ms } = await open("grid");
out.initialRenderMs = ms;
out.nodesAfterFit = await page.evaluate(() => document.querySelectorAll(".react-flow__node").length);
out.zoomAfterFit = await page.evaluate(() => Math.round(window.__charterFlow.getZoom() * 1000) / 1000);
out.panWhole = await measure(page, "pan");
out.zoomWhole = await measure(page, "zoom");
out.panDetail = await measure(page, "pan", 1);
out.zoomDetail = await measure(page, "zoom", 0.8);
// The zooms in between: chips collapse below 0.45, the overview starts below 0.3.
for (const z of (process.env.BENCH_ZOOMS ?? "0.35,0.5,0.7").split(",").map(Number)) out[`panAt${z}`] = await measure(page, "pan", z);
await page.screenshot({ path: resolve(here, "../../test-results/ui-e2e/bench-detail.png") }).catch(() => undefined);
await page.close();
if (process.argv.includes("--layout")) {
  const { page: p2, ms: ms2 } = await open(null);
  out.autoLayoutAndRenderMs = ms2;
  await p2.close();
}
console.log(JSON.stringify(out, null, 1));
await browser.close();
server.close();
