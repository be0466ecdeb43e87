// Browser e2e: the built UI (vite build --mode e2e, in-memory backend via
// mockIPC) in headless Chromium through playwright-core. Screenshots go to
// test-results/ui-e2e/. Prints "N passed, N failed".
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(here, "../dist-e2e");
const shots = resolve(here, "../../test-results/ui-e2e");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(join(root, "index.html"))) {
  console.error(`ui e2e: ${root}/index.html is missing: run \`npm --prefix ui run build:e2e\` first`);
  process.exit(1);
}
if (!existsSync(browserPath)) {
  console.error(`ui e2e: Chromium is missing at ${browserPath}: apt-get install chromium (or set CHROMIUM)`);
  process.exit(1);
}
await mkdir(shots, { recursive: true });

const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const file = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
  const path = resolve(root, file);
  if (!path.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: browserPath,
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const expect = (cond, msg) => {
  if (!cond) throw new Error(msg);
};

async function fresh() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('[data-testid="app"][data-ready="true"]');
  await page.waitForSelector('[data-testid="systems-panel"]');
  return { page, errors };
}
const names = (page) => page.$$eval('[data-testid="system-name"]', (els) => els.map((e) => e.textContent));

test("sample model opens with its lists and findings", async () => {
  const { page, errors } = await fresh();
  expect((await page.textContent('[data-testid="model-title"]')).includes("Seafood processor"), "title");
  expect((await names(page)).length === 2, "two systems");
  expect(await page.isVisible('[data-testid="no-findings"]'), "no findings");
  await page.screenshot({ path: join(shots, "01-sample.png"), fullPage: true });
  expect(errors.length === 0, `page errors: ${errors}`);
  await page.close();
});

test("add, rename, undo, redo by keyboard", async () => {
  const { page } = await fresh();
  await page.fill('[data-testid="add-system-name"]', "Transport portal");
  await page.click('[data-testid="add-system"]');
  await page.waitForSelector('[data-testid="system-item"][data-id="transport-portal"]');
  await page.click('[data-id="transport-portal"] [data-testid="rename-system"]');
  await page.fill('[data-id="transport-portal"] [data-testid="rename-name"]', "Freight hub");
  await page.click('[data-id="transport-portal"] [data-testid="rename-ok"]');
  await page.waitForFunction(() => document.body.textContent.includes("Freight hub"));
  await page.screenshot({ path: join(shots, "02-renamed.png"), fullPage: true });
  await page.click("h1");
  await page.keyboard.press("Control+z");
  await page.waitForFunction(() => !document.body.textContent.includes("Freight hub"));
  expect((await names(page)).includes("Transport portal"), "undo restored the old name");
  await page.keyboard.press("Control+Shift+Z");
  await page.waitForFunction(() => document.body.textContent.includes("Freight hub"));
  await page.close();
});

test("owner change asks for a rationale and lands in the decision log", async () => {
  const { page } = await fresh();
  await page.selectOption('[data-id="stock"] [data-testid="owner-select"]', "erp");
  await page.fill('[data-id="stock"] [data-testid="rationale-input"]', "ERP books every movement");
  await page.screenshot({ path: join(shots, "03-rationale.png"), fullPage: true });
  await page.click('[data-id="stock"] [data-testid="rationale-ok"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="rationale-form"]'));
  await page.click('[data-testid="toggle-decisions"]');
  await page.waitForSelector('[data-testid="decision-row"][data-entity="stock"]');
  expect((await page.textContent('[data-testid="decision-log"]')).includes("ERP books every movement"), "rationale shown");
  await page.screenshot({ path: join(shots, "04-decisions.png"), fullPage: true });
  await page.close();
});

test("export refused shows the findings; a fixed model exports", async () => {
  const { page } = await fresh();
  await page.click('[data-id="erp"] [data-testid="delete-system"]');
  await page.waitForSelector('[data-testid="finding"][data-code="no-owner"]');
  await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/seafood.prod.config.json"));
  await page.click('[data-testid="export-config"]');
  await page.waitForSelector('[data-testid="banner"][data-kind="error"] [data-testid="banner-findings"]');
  await page.screenshot({ path: join(shots, "05-export-refused.png"), fullPage: true });
  expect(!(await page.evaluate(() => window.__charterMock.files.has("/tmp/seafood.prod.config.json"))), "nothing written");
  await page.click('[data-testid="undo"]');
  await page.waitForSelector('[data-testid="no-findings"]');
  await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/seafood.prod.config.json"));
  await page.click('[data-testid="export-config"]');
  await page.waitForSelector('[data-testid="banner"][data-kind="info"]');
  expect(await page.evaluate(() => window.__charterMock.files.has("/tmp/seafood.prod.config.json")), "written");
  await page.close();
});

test("import of a bad file shows the problem and adds no model", async () => {
  const { page } = await fresh();
  const before = await page.$$eval('[data-testid="model-select"] option', (o) => o.length);
  await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/bad.model.json"));
  await page.click('[data-testid="import"]');
  await page.waitForSelector('[data-testid="banner"][data-kind="error"]');
  expect((await page.textContent('[data-testid="banner"]')).includes("expected a JSON object"), "problem shown");
  expect((await page.$$eval('[data-testid="model-select"] option', (o) => o.length)) === before, "no model added");
  await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/good.model.json"));
  await page.click('[data-testid="import"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="file-path"]')?.textContent === "/tmp/good.model.json");
  expect((await page.$$eval('[data-testid="model-select"] option', (o) => o.length)) === before + 1, "one model added");
  await page.close();
});

let passed = 0;
let failed = 0;
for (const t of tests) {
  try {
    await t.fn();
    passed++;
    console.log(`ok   ${t.name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}: ${e.message}`);
  }
}
await browser.close();
server.close();
console.log(`ui-e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
