// A workshop without dead ends (issue 15): real names (transliterated ids,
// long names cut short with the full name on hover), the owner round trip in
// the matrix, and a properties panel that fits its column. At 1280×800, the
// size a facilitator's laptop projects; screenshots in test-results/ui-e2e.
import { join } from "node:path";

export default function ({ test, expect, browser, base, shots }) {
  async function open() {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    await page.waitForSelector('.react-flow__node[data-id="erp"]');
    return { page, errors };
  }
  const role = (page, entity, system) => page.getAttribute(`[data-testid="matrix-cell"][data-entity="${entity}"][data-system="${system}"]`, "data-role");

  test("workshop: ids transliterate and long names are cut short in the lists and the matrix", async () => {
    const { page, errors } = await open();
    await page.click('[data-testid="view-list"]');
    await page.fill('[data-testid="add-system-name"]', "Århus lager");
    await page.click('[data-testid="add-system"]');
    await page.waitForSelector('[data-testid="system-item"][data-id="arhus-lager"]');
    // The name input stops at the documented limit (200 characters).
    const long = "Customer master record as agreed in the steering committee ".repeat(6);
    await page.fill('[data-testid="add-entity-name"]', long);
    const typed = await page.inputValue('[data-testid="add-entity-name"]');
    expect(typed.length === 200, `the name input holds ${typed.length} characters, not 200`);
    await page.click('[data-testid="add-entity"]');
    const item = '[data-testid="entities-panel"] .item-name, .lists .item-name';
    await page.waitForFunction((t) => [...document.querySelectorAll(".item-name")].some((e) => e.getAttribute("title") === t.trim()), typed);
    const listed = await page.$$eval(item, (els, t) => els.filter((e) => e.getAttribute("title") === t.trim()).map((e) => ({ w: e.getBoundingClientRect().width, clipped: e.scrollWidth > e.clientWidth })), typed);
    expect(listed.length === 1 && listed[0].w <= 14 * 16 + 1 && listed[0].clipped, `the long name in the list: ${JSON.stringify(listed)}`);
    await page.screenshot({ path: join(shots, "w1-lists-long-name.png") });
    await page.click('[data-testid="view-matrix"]');
    await page.waitForSelector('[data-testid="matrix-table"]');
    const cell = await page.$$eval('[data-testid="matrix-entity-name"]', (els, t) => els.filter((e) => e.getAttribute("title") === t.trim()).map((e) => e.getBoundingClientRect().width), typed);
    expect(cell.length === 1 && cell[0] <= 16 * 16 + 1, `the long name in the matrix is ${cell[0]} px wide`);
    // Every row and the system columns stay in view.
    const fits = await page.evaluate(() => {
      const box = document.querySelector(".matrix-scroll").getBoundingClientRect();
      const last = [...document.querySelectorAll('[data-testid="matrix-system"]')].pop().getBoundingClientRect();
      return last.right <= box.right + 1;
    });
    expect(fits, "the last system column is out of view");
    await page.screenshot({ path: join(shots, "w2-matrix-long-name.png") });
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });

  test("workshop: an owner round trip in the matrix keeps the old owner's copy", async () => {
    const { page, errors } = await open();
    await page.click('[data-testid="view-matrix"]');
    await page.waitForSelector('[data-testid="matrix-table"]');
    expect((await role(page, "order", "erp")) === "owner" && (await role(page, "order", "wms")) === "copy", "order starts owned by erp, copied to wms");
    const decide = async (system, why) => {
      await page.selectOption(`[data-testid="matrix-cell"][data-entity="order"][data-system="${system}"] select`, "owner");
      await page.fill('[data-testid="matrix-rationale"]', why);
      await page.click('[data-testid="matrix-rationale-ok"]');
      await page.waitForSelector(`[data-testid="matrix-cell"][data-entity="order"][data-system="${system}"][data-role="owner"]`);
    };
    await decide("wms", "The warehouse confirms what ships");
    expect((await role(page, "order", "erp")) === "copy", `erp keeps a copy, not ${await role(page, "order", "erp")}`);
    await page.screenshot({ path: join(shots, "w3-matrix-owner-moved.png") });
    await decide("erp", "Back to the ERP");
    expect((await role(page, "order", "wms")) === "copy", `wms is a copy holder again, not ${await role(page, "order", "wms")}`);
    expect((await role(page, "order", "erp")) === "owner", "erp owns order again");
    // One step each: two owner decisions, no batch (each one undo step and one decision-log row).
    const sent = await page.evaluate(() => window.__charterMock.edits.map((e) => e.op));
    expect(JSON.stringify(sent) === '["setOwner","setOwner"]', `edits sent: ${JSON.stringify(sent)}`);
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });

  test("workshop: the properties panel fits its column at 1280×800 and starts at the top", async () => {
    const { page, errors } = await open();
    await page.waitForSelector('[data-testid="entity-chip"][data-entity="order"]');
    await page.click('[data-testid="entity-chip"][data-entity="order"]');
    await page.waitForSelector('[data-testid="properties-panel"][data-kind="entity"]');
    // Plenty of fields and an enum with many values: the worst case for width.
    for (let i = 0; i < 4; i++) await page.click('[data-testid="field-add"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="field-row"]').length >= 7);
    const values = page.locator('[data-testid="field-values-add"]').first();
    for (const v of ["EUR-settlement-currency-long", "NOK", "SEK", "DKK", "GBP", "USD", "CHF"]) {
      await values.fill(v);
      await values.press("Enter");
    }
    const overflow = await page.evaluate(() => {
      const side = document.querySelector('[data-testid="side"]');
      const panel = document.querySelector('[data-testid="properties-panel"]').getBoundingClientRect();
      const s = side.getBoundingClientRect();
      const out = [...document.querySelectorAll('[data-testid="properties-panel"] *')].filter((el) => el.getBoundingClientRect().right > s.right + 1).map((el) => el.outerHTML.slice(0, 80));
      return { sideScroll: side.scrollWidth - side.clientWidth, panelRight: panel.right, sideRight: s.right, out };
    });
    expect(overflow.sideScroll <= 0 && overflow.out.length === 0, `horizontal overflow: ${JSON.stringify(overflow)}`);
    // The fields table scrolls inside its own box, and its box stays in the panel.
    // The fields wrap in their box: nothing hidden to the side, no word cut into letters.
    const box = await page.$eval('[data-testid="entity-fields-box"]', (e) => ({ right: e.getBoundingClientRect().right, hidden: e.scrollWidth - e.clientWidth, shifted: e.scrollLeft }));
    expect(box.right <= overflow.sideRight + 1 && box.hidden <= 0 && box.shifted === 0, `the fields box: ${JSON.stringify(box)}, the column ends at ${overflow.sideRight}`);
    const labels = await page.$$eval('[data-testid="properties-panel"] .form-check .form-label', (els) => els.filter((e) => e.getBoundingClientRect().height > 30).map((e) => e.textContent));
    expect(labels.length === 0, `checkbox labels broken over lines: ${labels.join(", ")}`);
    await page.screenshot({ path: join(shots, "w4-properties-fit.png") });
    // Scrolled down, then a new selection: back at the top.
    await page.$eval('[data-testid="side"]', (e) => (e.scrollTop = e.scrollHeight));
    expect((await page.$eval('[data-testid="side"]', (e) => e.scrollTop)) > 0, "the side panel should scroll");
    await page.click('.react-flow__node[data-id="wms"] [data-testid="system-name"]');
    await page.waitForSelector('[data-testid="properties-panel"][data-kind="system"]');
    await page.waitForTimeout(100);
    expect((await page.$eval('[data-testid="side"]', (e) => e.scrollTop)) === 0, "a new selection starts at the top");
    await page.screenshot({ path: join(shots, "w5-properties-new-selection.png") });
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });
  test("workshop: a delete, a paste, a fix and an undo each say what changed, with Undo at hand", async () => {
    const { page, errors } = await open();
    await page.click('.react-flow__node[data-id="wms"] [data-testid="system-team"]');
    await page.keyboard.press("Delete");
    await page.waitForSelector('[data-testid="notice"][data-action="undo"]');
    await page.screenshot({ path: join(shots, "w5-notice-delete.png") });
    // The notice sits clear of the canvas bar and the properties panel.
    const [n, side] = await Promise.all([page.locator('[data-testid="notice"]').boundingBox(), page.locator('[data-testid="side"]').boundingBox()]);
    expect(n.x + n.width <= side.x + 1 || n.y > side.y + side.height, `the notice covers the properties panel: ${JSON.stringify([n, side])}`);
    await page.click('[data-testid="notice-action"]');
    await page.waitForSelector('.react-flow__node[data-id="wms"]');
    expect((await page.textContent('[data-testid="notice-text"]')).startsWith("Undid:"), "undo is told");
    // Paste: told, and undone from the notice.
    await page.click('.react-flow__node[data-id="erp"] [data-testid="system-team"]');
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await page.waitForSelector('.react-flow__node[data-id="erp-copy"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="notice-text"]')?.textContent.startsWith("Paste"));
    await page.click('[data-testid="notice-action"]');
    await page.waitForFunction(() => !document.querySelector('.react-flow__node[data-id="erp-copy"]'));
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });
  test("workshop: an entity nobody owns waits in a tray on the canvas and is dragged onto its owner (one edit)", async () => {
    const { page, errors } = await open();
    await page.click('[data-testid="view-list"]');
    await page.fill('[data-testid="add-entity-name"]', "Voucher");
    await page.fill('[data-testid="add-entity-key"]', "code");
    await page.click('[data-testid="add-entity"]');
    await page.waitForSelector('[data-testid="entity-item"][data-id="voucher"]');
    await page.click('[data-testid="view-canvas"]');
    await page.waitForSelector('[data-testid="unowned-tray"] [data-testid="unowned-chip"][data-entity="voucher"]');
    await page.screenshot({ path: join(shots, "w6-unowned-tray.png") });
    const before = (await page.evaluate(() => window.__charterMock.edits.length));
    await page.dragAndDrop('[data-testid="unowned-chip"][data-entity="voucher"]', '.react-flow__node[data-id="erp"] [data-testid="system-name"]');
    await page.waitForSelector('[data-testid="owner-dialog"]');
    await page.fill('[data-testid="owner-rationale"]', "Vouchers are issued by the ERP");
    await page.click('[data-testid="owner-ok"]');
    await page.waitForSelector('[data-entity="voucher"][data-role="owner"][data-system="erp"]');
    await page.waitForSelector('[data-testid="unowned-tray"]', { state: "detached" });
    const sent = await page.evaluate((n) => window.__charterMock.edits.slice(n), before);
    expect(sent.length === 1 && sent[0].op === "setOwner" && sent[0].owner === "erp", JSON.stringify(sent));
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });
  test("workshop: the SVG and PNG exports carry no selection outline and no stray boxes; the selection stays on screen", async () => {
    const { page, errors } = await open();
    await page.click('.react-flow__node[data-id="erp"] [data-testid="system-team"]');
    await page.waitForSelector('.react-flow__node.selected[data-id="erp"] .sys-selected');
    const selectedPaint = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--selected").trim());
    await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/clean.svg"));
    await page.click('[data-testid="export-menu"]');
    await page.click('[data-testid="export-svg"]');
    await page.waitForFunction(() => window.__charterMock.files.has("/tmp/clean.svg"), null, { timeout: 20000 });
    const svg = await page.evaluate(() => window.__charterMock.files.get("/tmp/clean.svg"));
    const hex = selectedPaint.toLowerCase();
    const rgb = `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
    expect(svg.includes("ERP") && svg.includes("Warehouse"), "the diagram is there");
    expect(!/class="[^"]*\b(selected|sys-selected|chip-selected|flow-selected)\b/.test(svg), "a selection class in the SVG");
    expect(!svg.includes(rgb), `the selection colour ${rgb} is painted in the SVG`);
    expect(!svg.includes("react-flow__nodesselection") && !svg.includes("react-flow__handle"), "stray boxes in the SVG");
    // The selection is still there on screen.
    expect(!!(await page.$('.react-flow__node.selected[data-id="erp"] .sys-selected')), "the selection came back after the export");
    expect(errors.length === 0, errors.join("\n"));
    await page.close();
  });
}
