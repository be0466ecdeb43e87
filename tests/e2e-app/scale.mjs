// Scale check in the real app (WebKitGTK), by hand, not part of `npm test`:
//   xvfb-run -a -s "-screen 0 1600x1000x24" node tests/e2e-app/scale.mjs [systems,entities,flows]
// Imports a synthetic model (the shape of ui/e2e/bench-canvas.mjs's: each
// entity owned once and copied once, flows between distant systems), waits
// for its automatic layout, zooms in to detail with the canvas's own zoom
// button, drags the pane with the mouse (W3C actions) and counts animation
// frames in the page meanwhile. Screenshots in test-results/app-e2e/scale-*.png.
// Prints JSON.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, sleep, stopDriver, waitDriver } from "./driver.mjs";

const [S, E, F] = (process.argv[2] ?? "500,3000,5000").split(",").map(Number);
const kinds = ["erp", "wms", "oms", "ecommerce", "3pl", "payments", "finance", "crm", "pim", "transport"];
const model = {
  format: "charter-model/1",
  name: `Scale ${S}/${E}/${F}`,
  environments: ["prod"],
  systems: Array.from({ length: S }, (_, i) => ({ id: `sys-${i}`, name: `System ${i}`, kind: kinds[i % kinds.length], team: `Team ${i % 40}` })),
  entities: Array.from({ length: E }, (_, i) => ({ id: `ent-${i}`, name: `Entity ${i}`, owner: `sys-${i % S}`, key: "id", fields: [], copies: [`sys-${(i * 7 + 1) % S}`] })),
  flows: Array.from({ length: F }, (_, i) => {
    const owner = i % E;
    const from = owner % S;
    const to = (owner * 7 + 1 + Math.floor(i / E) * 13) % S;
    return { id: `flow-${i}`, entity: `ent-${owner}`, from: `sys-${from}`, to: `sys-${to === from ? (to + 1) % S : to}`, pattern: i % 3 === 0 ? "request" : "event", trigger: "system", ack: i % 5 !== 0 };
  }),
  rules: [],
};
const file = join(tmpdir(), `charter-scale-${S}.model.json`);
writeFileSync(file, JSON.stringify(model));

const out = { model: `${S}/${E}/${F}` };
let session;
try {
  await waitDriver();
  session = await Session.start();
  const t0 = Date.now();
  const id = await session.execAsync((path, done) => {
    window.__TAURI_INTERNALS__.invoke("import_model_file", { path }).then(
      (st) => done(st.modelId),
      (e) => done(`error ${JSON.stringify(e)}`),
    );
  }, file);
  if (typeof id !== "number") throw new Error(`import: ${id}`);
  // Open it from the model picker, as a user would after importing.
  await session.exec(() => location.reload());
  await sleep(500);
  await session.waitFor(() => document.querySelector('[data-testid="app"][data-ready="true"]') !== null, "the app after reload", 30000);
  await session.select('[data-testid="model-select"]', String(id));
  await session.waitFor((n) => document.querySelector('[data-testid="canvas"]')?.getAttribute("data-nodes") === String(n) && document.querySelector('[data-testid="canvas"][data-layout="ready"]') !== null, "the laid-out model", 600000, S);
  out.importLayoutAndRenderMs = Date.now() - t0;
  await sleep(1000);
  console.error("scale: laid out");
  await session.screenshot("scale-overview.png");
  console.error("scale: overview screenshot");
  // Zoom in with the canvas's zoom button until the systems are drawn in detail.
  for (let i = 0; i < 30; i++) {
    const zoom = await session.exec(() => {
      const t = document.querySelector(".react-flow__viewport")?.style.transform ?? "";
      return Number(/scale\(([^)]+)\)/.exec(t)?.[1] ?? 0);
    });
    out.zoom = Math.round(zoom * 100) / 100;
    if (zoom >= 0.9) break;
    await session.click(".react-flow__controls-zoomin");
    await sleep(250);
  }
  await sleep(1500);
  console.error(`scale: zoom ${out.zoom}`);
  out.detail = await session.exec(() => ({
    systems: document.querySelectorAll(".react-flow__node").length,
    flows: document.querySelectorAll('[data-testid="window-flow"]').length,
  }));
  await session.screenshot("scale-detail.png");
  // Drag the pane for 3 s while the page counts frames.
  await session.exec(() => {
    window.__frames = 0;
    window.__worst = 0;
    let last = performance.now();
    const tick = (now) => {
      window.__frames++;
      window.__worst = Math.max(window.__worst, now - last);
      last = now;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    window.__stop = false;
    window.__t0 = performance.now();
    requestAnimationFrame(tick);
  });
  const [cx, cy] = await session.centre(".react-flow__pane");
  await session.mouse([
    [cx, cy],
    [cx - 300, cy - 150, 1000],
    [cx + 300, cy + 150, 1000],
    [cx, cy, 1000],
  ]);
  out.pan = await session.exec(() => {
    window.__stop = true;
    const s = (performance.now() - window.__t0) / 1000;
    return { seconds: Math.round(s * 10) / 10, fps: Math.round((window.__frames / s) * 10) / 10, worstFrameMs: Math.round(window.__worst) };
  });
  await session.screenshot("scale-after-pan.png");
} catch (e) {
  out.error = e.message;
  await session?.screenshot("scale-failed.png").catch(() => undefined);
} finally {
  await session?.close();
  stopDriver();
}
console.log(JSON.stringify(out, null, 1));

