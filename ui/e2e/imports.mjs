// File → Import on the built UI (mock backend: a fixed sketch preview; the
// importers and the merge are Rust, tested there): the preview at 1280×800,
// labels as text, edits before import, a merge as one undo step, a new model,
// and a file that is no sketch.
import { join } from "node:path";

export default function ({ test, expect, browser, base, shots }) {
  async function open() {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    return { page, errors };
  }
  const pick = (page, path) => page.evaluate((p) => (window.__charterMock.nextPath.value = p), path);

  test("import: the preview lists every box and arrow, is edited, and merges as one undo step", async () => {
    const { page, errors } = await open();
    await pick(page, "/sketches/shop-whiteboard.mmd");
    await page.click('[data-testid="import-sketch"]');
    await page.waitForSelector('[data-testid="import-preview"]');
    expect((await page.$$('[data-testid="import-system"]')).length === 3 && (await page.$$('[data-testid="import-flow"]')).length === 2, "every box and arrow");
    expect(!(await page.$('[data-testid="import-preview"] b')), "a label with markup is text");
    expect((await page.textContent('[data-testid="import-unplaced"]')).includes("goes nowhere"), "what could not be placed is listed");
    const fits = await page.$eval('[data-testid="import-preview"]', (el) => {
      const r = el.getBoundingClientRect();
      return r.right <= innerWidth && r.bottom <= innerHeight && el.querySelector(".import-preview").scrollWidth <= el.querySelector(".import-preview").clientWidth + 1;
    });
    expect(fits, "the preview fits the window at 1280x800 without sideways scrolling");
    await page.screenshot({ path: join(shots, "i1-import-preview.png") });
    await page.uncheck('[data-testid="import-system"][data-id="crm"] input[type="checkbox"]');
    await page.fill('[data-testid="import-system"][data-id="shop"] [data-testid="import-name"]', "Storefront");
    const systems = await page.$$eval('.react-flow__node', (n) => n.length);
    await page.click('[data-testid="import-merge"]');
    await page.waitForSelector('.react-flow__node[data-id="shop"]');
    expect(!(await page.$('.react-flow__node[data-id="crm"]')), "what was left out stays out");
    expect((await page.textContent('.react-flow__node[data-id="shop"] [data-testid="system-name"]')) === "Storefront", "the edited name");
    await page.click('[data-testid="undo"]');
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n && !document.querySelector('.react-flow__node[data-id="shop"]'), systems);
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });

  test("import: as a new model; a file that is no sketch is refused naming it", async () => {
    const { page, errors } = await open();
    await pick(page, "/sketches/notes-bad.txt");
    await page.click('[data-testid="import-sketch"]');
    await page.waitForSelector('[data-testid="banner"][data-kind="error"]');
    expect((await page.textContent('[data-testid="banner"]')).includes("/sketches/notes-bad.txt"), "the refusal names the file");
    expect(!(await page.$('[data-testid="import-preview"]')), "no preview");
    await pick(page, "/sketches/shop-whiteboard.mmd");
    await page.click('[data-testid="import-sketch"]');
    await page.click('[data-testid="import-create"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="model-title"]')?.textContent.includes("shop-whiteboard"));
    await page.waitForSelector('.react-flow__node[data-id="crm"]');
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });
}
