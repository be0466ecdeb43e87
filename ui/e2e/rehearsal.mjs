// The Rehearsal view on the built UI (mock backend: a fixed, realistic
// report about the mock sample): empty view with the sample's traffic,
// progress and Cancel, results (chart, incidents, alerts, flows, refused
// examples, recorded history), click-to-select on the canvas, refusals.
// Screenshots at 1280×800 (the app's window) in both themes.
import { join } from "node:path";

export default function ({ test, expect, browser, base, shots }) {
  async function open(theme = "light") {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.addInitScript((t) => localStorage.setItem("charter-theme", t), theme);
    await page.goto(base);
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    await page.click('[data-testid="view-rehearsal"]');
    await page.waitForSelector('[data-testid="rehearsal-view"]');
    return { page, errors };
  }

  /** Elements of the view whose text is below 14px or overflows its box sideways. */
  const legibility = (page) =>
    page.evaluate(() => {
      const small = [];
      for (const el of document.querySelectorAll('[data-testid="rehearsal-view"] *')) {
        if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px < 13.9) small.push(`${el.tagName}.${el.className}:${px}`);
      }
      const center = document.querySelector(".workspace > .center");
      return { small, sideways: center.scrollWidth > center.clientWidth + 1 };
    });

  test("rehearsal: the empty view rehearses the sample's traffic, with progress and Cancel", async () => {
    const { page, errors } = await open();
    await page.waitForSelector('[data-testid="rehearsal-empty"] [data-testid="rehearse-sample"]');
    await page.screenshot({ path: join(shots, "30-rehearsal-empty.png") });
    // Slow the mock down to see the progress, then cancel.
    await page.evaluate(() => (window.__charterMock.rehearsalStepMs = 700));
    await page.click('[data-testid="rehearse-sample"]');
    await page.waitForSelector('[data-testid="rehearsal-running"]');
    await page.waitForFunction(() => /lines\/s/.test(document.querySelector('[data-testid="rehearsal-progress-text"]')?.textContent ?? ""));
    const value = await page.$eval('[data-testid="rehearsal-progress"]', (p) => p.value);
    expect(value > 0 && value < 1, `progress bar part-way: ${value}`);
    await page.screenshot({ path: join(shots, "31-rehearsal-progress.png") });
    // The UI answers while it runs: another tab and back.
    await page.click('[data-testid="view-list"]');
    await page.waitForSelector('[data-testid="systems-panel"]');
    await page.click('[data-testid="view-rehearsal"]');
    await page.click('[data-testid="rehearsal-cancel"]');
    await page.waitForSelector('[data-testid="banner"][data-kind="info"]');
    expect((await page.textContent('[data-testid="banner"]')).includes("cancelled"), "says cancelled");
    await page.waitForSelector('[data-testid="rehearsal-empty"]');
    expect((await page.evaluate(() => window.__charterMock.rehearsals.length)) === 0, "nothing recorded");
    // Again, to the end.
    await page.evaluate(() => (window.__charterMock.rehearsalStepMs = 50));
    await page.click('[data-testid="rehearse-sample"]');
    await page.waitForSelector('[data-testid="rehearsal-results"]');
    const bars = await page.$$eval('[data-testid="decision-bar"]', (els) => els.map((e) => [e.dataset.decision, e.dataset.count, Math.round(e.querySelector(".bar").getBoundingClientRect().width)]));
    const w = Object.fromEntries(bars.map(([d, , px]) => [d, px]));
    expect(w.observe > w.accept && w.accept > w.reject && w.reject > 0, `bars in proportion: ${JSON.stringify(bars)}`);
    const incidents = await page.$$eval('[data-testid="incident"]', (els) => els.map((e) => e.dataset.id));
    expect(JSON.stringify(incidents) === '["inc-2","inc-3","inc-5","inc-1","inc-4","inc-6"]', `incidents in the runtime's order: ${incidents}`);
    // Incidents come before alerts, alerts before flows.
    const tops = await page.evaluate(() => ["incidents", "alerts", "flow-health"].map((id) => document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect().top));
    expect(tops[0] < tops[1] && tops[1] < tops[2], `order on the page: ${tops}`);
    // The first incident is on screen without scrolling.
    const first = await page.locator('[data-testid="incident"]').first().boundingBox();
    expect(first && first.y + first.height < 800, `first incident visible: ${JSON.stringify(first)}`);
    await page.waitForSelector('[data-testid="rehearsal-record"]');
    const { small, sideways } = await legibility(page);
    expect(small.length === 0, `text under 14px: ${small.slice(0, 5)}`);
    expect(!sideways, "no sideways scrolling at 1280×800");
    await page.screenshot({ path: join(shots, "32-rehearsal-results.png") });
    await page.screenshot({ path: join(shots, "32b-rehearsal-results-full.png"), fullPage: true });
    await page.locator('[data-testid="flow-health"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "33-rehearsal-flows.png") });
    expect(errors.length === 0, `page errors: ${errors}`);
    await page.close();
  });

  test("rehearsal: clicking an incident selects and centres its subject on the canvas", async () => {
    const { page } = await open();
    await page.evaluate(() => (window.__charterMock.rehearsalStepMs = 0));
    await page.click('[data-testid="rehearse-sample"]');
    await page.waitForSelector('[data-testid="rehearsal-results"]');
    await page.click('[data-testid="incident"][data-id="inc-2"]');
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    await page.waitForSelector('.react-flow__edge.selected[data-id="order-to-wms"]');
    await page.waitForSelector('[data-testid="properties-panel"][data-kind="flow"]');
    await page.waitForTimeout(400);
    const label = await page.locator('[data-testid="flow-label"][data-id="order-to-wms"]').boundingBox();
    const canvas = await page.locator(".react-flow").boundingBox();
    expect(label && label.x > canvas.x && label.x < canvas.x + canvas.width && label.y > canvas.y && label.y < canvas.y + canvas.height, "the flow is on screen");
    // The centring holds: no late refit of the opening frame takes the subject away again.
    await page.waitForTimeout(1200);
    const zoom = await page.evaluate(() => window.__charterFlow.getZoom());
    const after = await page.locator('[data-testid="flow-label"][data-id="order-to-wms"]').boundingBox();
    expect(zoom >= 0.9 && after && after.x > canvas.x && after.x + after.width < canvas.x + canvas.width, `the subject still centred, readable, a second later: zoom ${zoom}, label ${JSON.stringify(after)}`);
    await page.screenshot({ path: join(shots, "34-rehearsal-incident-selected.png") });
    // An entity's incident selects the entity; a rule's refused example selects the rule.
    await page.click('[data-testid="view-rehearsal"]');
    await page.click('[data-testid="incident"][data-id="inc-3"]');
    await page.waitForSelector('[data-testid="properties-panel"][data-kind="entity"]');
    expect((await page.textContent('[data-testid="properties-title"]')).includes("Stock"), "stock selected");
    await page.click('[data-testid="view-rehearsal"]');
    await page.click('[data-testid="refused-example"][data-line="41"] button');
    await page.waitForSelector('[data-testid="properties-panel"][data-kind="rule"]');
    await page.close();
  });

  test("rehearsal on the canvas: each flow shows its rehearsed traffic in a colour a projector shows; rules show what they refused", async () => {
    for (const theme of ["light", "dark"]) {
      const { page, errors } = await open(theme);
      await page.evaluate(() => (window.__charterMock.rehearsalStepMs = 0));
      await page.click('[data-testid="rehearse-sample"]');
      await page.waitForSelector('[data-testid="rehearsal-results"]');
      await page.click('[data-testid="view-canvas"]');
      await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
      // order-to-wms: 120 delivered, 3 refused, 2 nacked, 6 never acknowledged: 11 of 123 is past 5%, so "bad".
      const traffic = '[data-testid="flow-label"][data-id="order-to-wms"] [data-testid="edge-traffic"]';
      await page.waitForSelector(traffic);
      expect((await page.textContent(traffic)) === "120 delivered · 3 refused · 2 nacked · 6 no ack", await page.textContent(traffic));
      expect((await page.getAttribute(traffic, "data-level")) === "bad", "graded bad");
      const path = '.react-flow__edge[data-id="order-to-wms"] .react-flow__edge-path';
      const stroke = await page.$eval(path, (el) => [getComputedStyle(el).stroke, getComputedStyle(el).strokeWidth]);
      const want = theme === "light" ? "rgb(194, 59, 0)" : "rgb(255, 122, 61)";
      expect(stroke[0] === want && parseFloat(stroke[1]) >= 6, `the path is drawn in the "bad" colour, thick: ${stroke}`);
      await page.waitForSelector('[data-testid="traffic-legend"]');
      expect((await page.textContent('[data-testid="traffic-legend"]')).includes("revision"), "the legend names the rehearsal");
      // The label stays clear of the system boxes.
      const overlaps = await page.evaluate(() => {
        const l = document.querySelector('[data-testid="flow-label"][data-id="order-to-wms"]').getBoundingClientRect();
        return [...document.querySelectorAll(".react-flow__node")].filter((n) => {
          const b = n.getBoundingClientRect();
          return l.left < b.right && l.right > b.left && l.top < b.bottom && l.bottom > b.top;
        }).length;
      });
      await page.screenshot({ path: join(shots, `38-rehearsal-canvas-${theme}.png`) });
      expect(overlaps === 0, "the traffic label is drawn over a system box");
      // The rule that refused says so.
      await page.click('[data-entity="order"][data-role="owner"]');
      await page.click('[data-testid="properties-panel"] [data-testid="properties-link"][data-kind="rule"][data-id="order-total"]');
      await page.waitForSelector('[data-testid="rule-form"] [data-testid="rule-traffic"][data-refused="3"]');
      expect((await page.textContent('[data-testid="rule-form"] [data-testid="rule-traffic"]')).includes("refused 3 messages"), "the rule's count");
      // One switch hides the overlay.
      await page.uncheck('[data-testid="traffic-toggle"]');
      await page.waitForSelector(traffic, { state: "detached" });
      await page.waitForSelector('[data-testid="traffic-legend"][data-shown="false"]');
      // The canvas bar still fits one line.
      const tops = await page.$$eval('[data-testid="canvas-bar"] > *', (els) => els.map((el) => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2)));
      expect(Math.max(...tops) - Math.min(...tops) <= 6, `the canvas bar wraps: ${tops}`);
      await page.check('[data-testid="traffic-toggle"]');
      await page.waitForSelector(traffic);
      expect(errors.length === 0, `page errors: ${errors}`);
      await page.close();
    }
  });

  test("rehearsal: what if, after a change, compares two revisions on the same traffic", async () => {
    const { page } = await open();
    await page.evaluate(() => (window.__charterMock.rehearsalStepMs = 0));
    await page.click('[data-testid="rehearse-sample"]');
    await page.waitForSelector('[data-testid="rehearsal-results"]');
    expect(!(await page.$('[data-testid="what-if"]')), "nothing to compare with at revision 1");
    await page.click('[data-testid="view-list"]');
    await page.fill('[data-testid="add-system-name"]', "Lab");
    await page.click('[data-testid="add-system"]');
    await page.waitForSelector('[data-testid="undo"]:not([disabled])');
    await page.click('[data-testid="view-rehearsal"]');
    await page.waitForSelector('[data-testid="rehearsal-stale"]');
    expect((await page.inputValue('[data-testid="what-if-base"]')) === "1", "the rehearsed revision is proposed");
    await page.click('[data-testid="what-if-run"]');
    await page.waitForSelector('[data-testid="what-if-result"]');
    const first = await page.textContent('[data-testid="what-if-change"]');
    expect(first.includes("accept → reject by `order-total`"), first);
    await page.screenshot({ path: join(shots, "37-rehearsal-what-if.png") });
    await page.click('[data-testid="what-if-change"]');
    await page.waitForSelector('[data-testid="properties-panel"][data-kind="rule"]');
    // On the canvas, the entity whose messages change decision is marked, owner and copy alike
    // (the change about an ack has no entity: nothing else is marked).
    await page.click('[data-testid="view-canvas"]');
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    await page.waitForSelector('[data-testid="entity-chip"][data-entity="order"][data-role="owner"][data-changed="12"] [data-testid="chip-changed"]');
    const marked = await page.$$eval('[data-testid="entity-chip"][data-changed]', (els) => els.map((e) => `${e.dataset.entity}/${e.dataset.role}`).sort());
    expect(marked.join(" ") === "order/copy order/owner", marked.join(" "));
    expect((await page.textContent('[data-entity="order"][data-role="owner"] [data-testid="chip-changed"]')) === "Δ12", "the badge counts the messages");
    await page.screenshot({ path: join(shots, "37-rehearsal-what-if-canvas.png") });
    await page.close();
  });

  test("rehearsal: results in the dark theme; refusals for a bad file and a model with errors", async () => {
    const { page } = await open("dark");
    await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/bad-export.csv"));
    await page.click('[data-testid="rehearse-file"]');
    await page.waitForSelector('[data-testid="banner"][data-kind="error"]');
    expect((await page.textContent('[data-testid="banner"]')).includes("not a JSON object"), "not JSON Lines");
    await page.click('[data-testid="banner"] [aria-label="Dismiss"]');
    await page.evaluate(() => (window.__charterMock.nextPath.value = "/tmp/traffic.jsonl"));
    await page.click('[data-testid="rehearse-file"]');
    await page.waitForSelector('[data-testid="rehearsal-results"]');
    expect((await page.textContent('[data-testid="rehearsal-summary"]')).includes("traffic.jsonl"), "the picked file");
    await page.screenshot({ path: join(shots, "35-rehearsal-results-dark.png") });
    // A model with an error (an entity without owner) is refused like export.
    await page.click('[data-testid="view-canvas"]');
    await page.click('.react-flow__node[data-id="erp"] [data-testid="system-team"]');
    await page.keyboard.press("Delete");
    await page.waitForSelector('[data-testid="finding"][data-code="no-owner"]');
    await page.click('[data-testid="view-rehearsal"]');
    await page.waitForSelector('[data-testid="rehearsal-stale"]');
    await page.click('[data-testid="rehearse-sample-again"]');
    await page.waitForSelector('[data-testid="banner"][data-kind="error"] [data-testid="banner-findings"]');
    await page.screenshot({ path: join(shots, "36-rehearsal-refused.png") });
    await page.close();
  });
  test("try a rule: a typed sample record and the runtime's verdict, live as the sample changes", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForSelector('[data-testid="canvas"][data-layout="ready"]');
    await page.click('[data-entity="order"][data-role="owner"]');
    await page.click('[data-testid="properties-panel"] [data-testid="properties-link"][data-kind="rule"][data-id="order-total"]');
    const builder = '[data-testid="rule-form"] [data-testid="condition-builder"]';
    await page.waitForSelector(`${builder}[data-state="form"]`);
    await page.click(`${builder} [data-testid="try-rule"] summary`);
    await page.waitForSelector(`${builder} [data-testid="try-verdict"][data-outcome="holds"]`);
    let trials = await page.evaluate(() => window.__charterMock.trials);
    const first = trials.at(-1);
    expect(first.cel === "total >= 0.0" && first.entity === "order", JSON.stringify(first));
    expect(typeof first.record.total === "number", `a number field is sent as a JSON number: ${JSON.stringify(first.record)}`);
    // Typed inputs: a number field is a number input, an enum a select.
    const types = await page.$$eval(`${builder} [data-testid="try-field"]`, (rows) => rows.map((r) => `${r.dataset.field}:${r.querySelector('[data-testid="try-value"]').tagName}:${r.querySelector('[data-testid="try-value"]').type}`));
    expect(types.includes("total:INPUT:number") && types.some((t) => t.startsWith("currency:SELECT")), types.join(", "));
    await page.fill(`${builder} [data-testid="try-field"][data-field="total"] [data-testid="try-value"]`, "-12.5");
    await page.waitForFunction(() => window.__charterMock.trials.at(-1)?.record.total === -12.5);
    // A field left absent: the contract refuses before any rule, and the field is marked.
    await page.check(`${builder} [data-testid="try-field"][data-field="currency"] [data-testid="try-unset"]`);
    await page.waitForSelector(`${builder} [data-testid="try-verdict"][data-outcome="contract"]`);
    expect((await page.getAttribute(`${builder} [data-testid="try-field"][data-field="currency"]`, "class")) === "refused", "the refused field is marked");
    await page.$eval(`${builder} [data-testid="try-rule"]`, (el) => el.scrollIntoView());
    await page.screenshot({ path: join(shots, "37-try-a-rule.png") });
    // Nothing overflows the properties panel sideways.
    const sideways = await page.$eval('[data-testid="properties-panel"]', (el) => el.scrollWidth > el.clientWidth + 1);
    expect(!sideways, "the properties panel overflows sideways");
    trials = await page.evaluate(() => window.__charterMock.trials);
    expect(trials.every((t) => t.cel === "total >= 0.0"), "every trial asks about the rule's own condition");
    expect(errors.length === 0, `page errors: ${errors}`);
    await page.close();
  });
}
