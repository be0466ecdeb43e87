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
  test("discover: a log beside the model (undocumented, unused, owners with evidence); a suggestion accepted in the matrix; the undocumented added", async () => {
    const { page, errors } = await open();
    // An entity nobody owns yet.
    await page.click('[data-testid="view-list"]');
    await page.fill('[data-testid="add-entity-name"]', "Voucher");
    await page.fill('[data-testid="add-entity-key"]', "code");
    await page.click('[data-testid="add-entity"]');
    await page.waitForSelector('[data-testid="entity-item"][data-id="voucher"]');
    await page.click('[data-testid="view-discover"]');
    await pick(page, "/logs/traffic-week.jsonl");
    await page.click('[data-testid="discover-pick"]');
    await page.waitForSelector('[data-testid="discover-view"][data-file="traffic-week.jsonl"]');
    expect((await page.textContent('[data-testid="discover-undocumented"]')).includes("stock event shop → wms"), "the undocumented double write");
    expect((await page.textContent('[data-testid="discover-unused"]')).includes("order-to-wms"), "the unused flow");
    expect((await page.textContent('[data-testid="discover-suggestion"][data-entity="stock"]')).includes("wrote 20 of the 20 stock keys first"), "evidence shown");
    await page.screenshot({ path: join(shots, "i2-discover.png") });
    // The matrix offers the suggestion on the undecided entity; Accept records it with the evidence.
    await page.click('[data-testid="view-matrix"]');
    await page.waitForSelector('[data-testid="matrix-suggestion"][data-entity="voucher"][data-system="erp"]');
    expect(!(await page.$('[data-testid="matrix-suggestion"][data-entity="stock"]')), "no suggestion on a decided entity");
    await page.screenshot({ path: join(shots, "i3-matrix-suggestion.png") });
    await page.click('[data-testid="matrix-suggestion"][data-entity="voucher"] [data-testid="matrix-suggestion-accept"]');
    await page.waitForSelector('[data-testid="matrix-cell"][data-entity="voucher"][data-system="erp"][data-role="owner"]');
    const sent = await page.evaluate(() => window.__charterMock.edits.at(-1));
    expect(sent.op === "setOwner" && sent.owner === "erp" && sent.rationale.startsWith("Suggested by discovery from traffic-week.jsonl: erp wrote 12 of the 12 voucher keys first"), JSON.stringify(sent));
    // Add what is undocumented: the storefront comes in, one undo step.
    await page.click('[data-testid="view-discover"]');
    await page.click('[data-testid="discover-add"]');
    await page.click('[data-testid="view-canvas"]');
    await page.waitForSelector('.react-flow__node[data-id="shop"]');
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });
}
