// The real app under WebDriver: tauri-driver + WebKitWebDriver (W3C WebDriver
// over plain fetch), the built app (target/debug/charter-app unless
// CHARTER_APP_BIN), a temporary CHARTER_DATA_DIR. Shared by the e2e test
// (run.mjs) and the scale check (scale.mjs).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const app = process.env.CHARTER_APP_BIN ?? join(repo, "target/debug/charter-app");
export const shots = join(repo, "test-results/app-e2e");
const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
const port = 4444 + Math.floor(Math.random() * 500);
const nativePort = port + 1000;

for (const [what, ok, fix] of [
  ["the app binary " + app, existsSync(app), "build it: cargo build -p charter-app --features custom-protocol (after npm --prefix ui run build)"],
  ["DISPLAY", !!process.env.DISPLAY, "run under xvfb-run"],
]) {
  if (!ok) {
    console.error(`app e2e: ${what} is missing: ${fix}`);
    process.exit(1);
  }
}
mkdirSync(shots, { recursive: true });
export const dataDir = mkdtempSync(join(tmpdir(), "charter-e2e-"));

export const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
  env: { ...process.env, CHARTER_DATA_DIR: dataDir },
  stdio: ["ignore", "inherit", "inherit"],
});
driver.on("error", (e) => {
  console.error(`app e2e: cannot start tauri-driver (${e.message}): cargo install tauri-driver --locked`);
  process.exit(1);
});

const base = `http://127.0.0.1:${port}`;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function wd(method, path, body) {
  // No WebDriver command takes two minutes: fail clearly rather than hang.
  const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(120000) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json).slice(0, 300)}`);
  return json.value;
}
export async function waitDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(base + "/status");
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error("tauri-driver did not start");
}
const ELEMENT = "element-6066-11e4-a07c-4a6c6f6c6f6c";

export class Session {
  static async start() {
    const value = await wd("POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: app } } },
    });
    const s = new Session(value.sessionId);
    await s.waitFor(() => document.querySelector('[data-testid="app"][data-ready="true"]') !== null, "the app to be ready", 30000);
    // Ready to draw on: the positions are loaded (and, on a first launch, the automatic layout has placed the systems).
    await s.waitFor(() => document.querySelector('[data-testid="canvas"][data-layout="ready"]') !== null, "the canvas layout", 60000);
    return s;
  }
  constructor(id) {
    this.id = id;
  }
  exec(fn, ...args) {
    return wd("POST", `/session/${this.id}/execute/sync`, { script: `return (${fn}).apply(null, arguments)`, args });
  }
  /** Runs `fn(...args, done)` in the page and resolves to what it passes to `done`. */
  execAsync(fn, ...args) {
    return wd("POST", `/session/${this.id}/execute/async`, { script: `return (${fn}).apply(null, arguments)`, args });
  }
  async waitFor(fn, what, timeout = 10000, ...args) {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      if (await this.exec(fn, ...args).catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  async find(css) {
    const v = await wd("POST", `/session/${this.id}/element`, { using: "css selector", value: css });
    const id = v?.[ELEMENT] ?? (v && Object.values(v)[0]);
    if (!id) throw new Error(`find ${css}: unexpected answer ${JSON.stringify(v)}`);
    return id;
  }
  async click(css) {
    // As a user would: only once it shows (xyflow keeps a new node hidden until it has measured it).
    await this.waitFor(
      (sel) => {
        const el = document.querySelector(sel);
        const r = el?.getBoundingClientRect();
        return !!el && getComputedStyle(el).visibility === "visible" && r.width > 0 && r.height > 0;
      },
      `${css} to show`,
      10000,
      css,
    );
    await wd("POST", `/session/${this.id}/element/${await this.find(css)}/click`, {});
  }
  async type(css, text) {
    const el = await this.find(css);
    await wd("POST", `/session/${this.id}/element/${el}/clear`, {});
    await wd("POST", `/session/${this.id}/element/${el}/value`, { text });
  }
  /** The centre of the element `css` matches, in viewport coordinates. */
  centre(css) {
    return this.exec((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
    }, css);
  }
  /** Presses the mouse at the first point, moves through the others ([x, y, ms] each), releases (W3C actions, viewport coordinates). */
  async mouse(points) {
    const move = ([x, y, duration]) => ({ type: "pointerMove", duration, origin: "viewport", x, y });
    const [first, ...rest] = points;
    await wd("POST", `/session/${this.id}/actions`, {
      actions: [
        {
          type: "pointer",
          id: "mouse",
          parameters: { pointerType: "mouse" },
          actions: [move([first[0], first[1], 0]), { type: "pointerDown", button: 0 }, ...rest.map(move), { type: "pointerUp", button: 0 }],
        },
      ],
    });
    await wd("DELETE", `/session/${this.id}/actions`).catch(() => undefined);
  }
  /** Drags with the mouse from the centre of one element to another's (or by an offset). */
  async drag(fromCss, toCss, by = null) {
    const [fx, fy] = await this.centre(fromCss);
    const [tx, ty] = by ? [fx + by[0], fy + by[1]] : await this.centre(toCss);
    await this.mouse([
      [fx, fy],
      [fx + 12, fy + 12, 150],
      [tx, ty, 300],
    ]);
  }
  async select(css, value) {
    await this.exec(
      (sel, v) => {
        const el = document.querySelector(sel);
        const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set;
        set.call(el, v);
        el.dispatchEvent(new Event("change", { bubbles: true }));
      },
      css,
      value,
    );
  }
  text(css) {
    return this.exec((sel) => document.querySelector(sel)?.textContent ?? null, css);
  }
  async screenshot(name) {
    const png = await wd("GET", `/session/${this.id}/screenshot`);
    writeFileSync(join(shots, name), Buffer.from(png, "base64"));
  }
  async close() {
    await wd("DELETE", `/session/${this.id}`).catch(() => undefined);
  }
}


/** Ends the driver and removes the data directory. */
export function stopDriver() {
  driver.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
}
