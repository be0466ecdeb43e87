import { beforeEach, describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import App from "../../App";
import { installMockBackend, SAMPLE, type MockBackend } from "../../test/mockBackend";
import { fraction, progressText, size, span, timeLeft } from "./format";

let backend: MockBackend;

beforeEach(() => {
  backend = installMockBackend();
});

async function openRehearsal() {
  render(<App />);
  await waitFor(() => expect(screen.getByTestId("app").dataset.ready).toBe("true"));
  await screen.findByTestId("canvas");
  fireEvent.click(screen.getByTestId("view-rehearsal"));
  await screen.findByTestId("rehearsal-view");
}

async function rehearseSample() {
  fireEvent.click(await screen.findByTestId("rehearse-sample"));
  await screen.findByTestId("rehearsal-results");
}

describe("Rehearsal view", () => {
  it("is a tab beside the other views and starts empty, offering the sample's traffic", async () => {
    await openRehearsal();
    expect(screen.getByTestId("view-rehearsal").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("rehearsal-empty").textContent).toContain("revision 1");
    expect((screen.getByTestId("rehearsal-env") as HTMLSelectElement).value).toBe("prod");
    await screen.findByTestId("rehearse-sample");
    expect(screen.queryByTestId("rehearsal-results")).toBeNull();
  });

  it("rehearses the sample traffic and shows decisions, incidents, alerts and flows", async () => {
    await openRehearsal();
    await rehearseSample();
    expect(backend.calls).toContain("rehearse");
    const summary = screen.getByTestId("rehearsal-summary").textContent ?? "";
    expect(summary).toContain("412 messages from seafood.traffic.jsonl against revision 1 (prod)");
    expect(summary).toContain("11 refused");
    expect(summary).toContain("6 incidents");
    // The chart: one bar per decision, its width proportional to the count.
    const bars = screen.getAllByTestId("decision-bar");
    expect(bars.map((b) => `${b.dataset.decision}:${b.dataset.count}`)).toEqual(["accept:118", "flag:0", "observe:281", "duplicate:2", "reject:7", "quarantine:0", "invalid:4"]);
    const width = (d: string) => (bars.find((b) => b.dataset.decision === d)!.querySelector(".bar") as HTMLElement).style.width;
    expect(width("observe")).toBe("100%");
    expect(parseFloat(width("accept"))).toBeCloseTo((100 * 118) / 281, 3);
    expect(screen.getByTestId("reasons").textContent).toBe("Why: not-owner 4 · rule 3");
    // Incidents first, in the runtime's order, one line each with its summary.
    const incidents = screen.getAllByTestId("incident");
    expect(incidents.map((i) => i.dataset.id)).toEqual(["inc-2", "inc-3", "inc-5", "inc-1", "inc-4", "inc-6"]);
    expect(incidents[0]!.textContent).toContain("wms never acknowledged 6 order deliveries on order-to-wms");
    // Without a subject in the model there is nothing to select.
    expect((incidents.find((i) => i.dataset.id === "inc-5") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("alert").textContent).toContain("ack-rate 0.5 against 0.98");
    const flow = screen.getByTestId("flow-row");
    expect(flow.dataset.flow).toBe("order-to-wms");
    expect(flow.dataset.health).toBe("bad");
    expect(within(flow).getAllByRole("cell").map((c) => c.textContent?.trim())).toEqual(["order-to-wms", "120", "112", "2", "6", "0", "3", "93 %"]);
    // Examples of refused messages, by subject, with their lines.
    const groups = screen.getAllByTestId("refused-group");
    expect(groups.map((g) => g.dataset.subject)).toEqual(["stock", "", "order-total"]);
    expect(within(groups[0]!).getAllByTestId("refused-example")[0]!.textContent).toContain("line 212 · erp-stk-fix from erp (COD-LOIN-1KG) · reject (not-owner)");
    // Recorded: listed as evidence, with the file's SHA-256.
    const rec = await screen.findByTestId("rehearsal-record");
    expect(rec.textContent).toContain("seafood.traffic.jsonl");
    expect(rec.textContent).toContain("9f2c6d0b");
    expect(screen.getByTestId("banner").textContent).toContain("Rehearsed 412 lines of seafood.traffic.jsonl against revision 1 (prod)");
  });

  it("clicking an incident selects its subject and shows it on the canvas", async () => {
    await openRehearsal();
    await rehearseSample();
    fireEvent.click(document.querySelector('[data-testid="incident"][data-id="inc-2"]') as HTMLElement);
    await screen.findByTestId("canvas");
    expect(screen.getByTestId("view-canvas").getAttribute("aria-selected")).toBe("true");
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("flow"));
    expect(screen.getByTestId("properties-title").textContent).toContain("order-to-wms");
    // Back on the tab, the report is still there; an entity incident selects the entity.
    fireEvent.click(screen.getByTestId("view-rehearsal"));
    fireEvent.click(await screen.findByText(/erp sent 4 stock events/));
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("entity"));
    fireEvent.click(screen.getByTestId("view-rehearsal"));
    fireEvent.click((await screen.findAllByTestId("refused-example")).find((x) => x.dataset.line === "41")!.querySelector("button")!);
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("rule"));
    fireEvent.click(screen.getByTestId("view-rehearsal"));
    fireEvent.click(await screen.findByTestId("flow-link"));
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("flow"));
  });

  it("shows progress while it runs and Cancel stops it without recording anything", async () => {
    backend.rehearsalStepMs = 60;
    await openRehearsal();
    fireEvent.click(await screen.findByTestId("rehearse-sample"));
    await screen.findByTestId("rehearsal-running");
    await waitFor(() => expect(screen.getByTestId("rehearsal-progress-text").textContent).toMatch(/^103 lines · 1,030 lines\/s · less than a second left$/));
    expect((screen.getByTestId("rehearsal-env") as HTMLSelectElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("rehearsal-cancel"));
    expect(screen.getByTestId("rehearsal-cancel").textContent).toBe("Cancelling…");
    await waitFor(() => expect(screen.queryByTestId("rehearsal-running")).toBeNull());
    expect(screen.getByTestId("banner").dataset.kind).toBe("info");
    expect(screen.getByTestId("banner").textContent).toContain("cancelled");
    expect(backend.rehearsals).toHaveLength(0);
    expect(screen.getByTestId("rehearsal-empty")).toBeTruthy();
  });

  it("a file that is not JSON Lines is refused with the reason", async () => {
    await openRehearsal();
    backend.nextPath.value = "/tmp/bad.csv";
    fireEvent.click(screen.getByTestId("rehearse-file"));
    await waitFor(() => expect(screen.getByTestId("banner").dataset.kind).toBe("error"));
    expect(screen.getByTestId("banner").textContent).toContain("line 1 is not a JSON object");
    expect(backend.rehearsals).toHaveLength(0);
  });

  it("a model with errors is refused with its findings, like export", async () => {
    backend = installMockBackend({ model: { ...structuredClone(SAMPLE), entities: SAMPLE.entities.map((e) => (e.id === "stock" ? { ...e, owner: undefined } : e)) } });
    await openRehearsal();
    fireEvent.click(await screen.findByTestId("rehearse-sample"));
    await waitFor(() => expect(screen.getByTestId("banner").dataset.kind).toBe("error"));
    expect(screen.getByTestId("banner").textContent).toContain("export refused");
    expect(screen.getByTestId("banner-findings").textContent).toContain("stock");
  });

  it("says the model changed since the rehearsal, and exports a recorded report", async () => {
    await openRehearsal();
    await rehearseSample();
    fireEvent.click(screen.getByTestId("view-list"));
    fireEvent.change(await screen.findByTestId("add-system-name"), { target: { value: "Lab" } });
    fireEvent.click(screen.getByTestId("add-system"));
    await waitFor(() => expect(screen.getByTestId("undo")).toHaveProperty("disabled", false));
    fireEvent.click(screen.getByTestId("view-rehearsal"));
    expect((await screen.findByTestId("rehearsal-stale")).textContent).toContain("revision 2");
    backend.nextPath.value = "/tmp/evidence.json";
    fireEvent.click(screen.getByTestId("export-rehearsal"));
    await waitFor(() => expect(backend.files.has("/tmp/evidence.json")).toBe(true));
    backend.nextPath.value = "/tmp/evidence.jsonl";
    fireEvent.click(screen.getByTestId("export-rehearsal-decisions"));
    await waitFor(() => expect(backend.files.get("/tmp/evidence.jsonl")).toContain('"decision":"accept"'));
    expect(screen.getByTestId("banner").textContent).toContain("Decisions exported to /tmp/evidence.jsonl");
  });
});

describe("What if", () => {
  it("after a rule change, compares the rehearsed revision with the current one and selects what changed", async () => {
    await openRehearsal();
    await rehearseSample();
    // One revision only: nothing to compare with yet.
    expect(screen.queryByTestId("what-if")).toBeNull();
    fireEvent.click(screen.getByTestId("view-list"));
    fireEvent.change(await screen.findByTestId("add-system-name"), { target: { value: "Lab" } });
    fireEvent.click(screen.getByTestId("add-system"));
    await waitFor(() => expect(screen.getByTestId("undo")).toHaveProperty("disabled", false));
    fireEvent.click(screen.getByTestId("view-rehearsal"));
    const base = (await screen.findByTestId("what-if-base")) as HTMLSelectElement;
    // The rehearsed revision is proposed.
    await waitFor(() => expect(base.value).toBe("1"));
    expect(base.textContent).toContain("(rehearsed)");
    fireEvent.click(screen.getByTestId("what-if-run"));
    const result = await screen.findByTestId("what-if-result");
    expect(result.dataset.base).toBe("1");
    expect(screen.getByTestId("what-if-summary").textContent).toContain("24 of 412 messages change decision between revision 1 and revision 2: refused 11 → 35");
    const changes = screen.getAllByTestId("what-if-change");
    expect(changes[0]!.textContent).toContain("12 messages change decision: accept → reject by `order-total`");
    expect(changes[0]!.textContent).toContain("line 61 ord-SO-4003-v1");
    expect((changes[1] as HTMLButtonElement).disabled).toBe(true);
    expect(backend.calls.filter((c) => c === "rehearse_what_if")).toHaveLength(1);
    expect(backend.rehearsals).toHaveLength(1);
    fireEvent.click(changes[0]!);
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("rule"));
    expect(screen.getByTestId("view-canvas").getAttribute("aria-selected")).toBe("true");
  });
});

describe("rehearsal words", () => {
  it("says progress, time left and sizes plainly", () => {
    const p = { lines: 12345, bytes: 5e5, totalBytes: 2e6, linesPerSecond: 85000.4, secondsLeft: 3.2, elapsedSeconds: 0.1, done: false };
    expect(progressText(p)).toBe("12,345 lines · 85,000 lines/s · about 3 s left");
    expect(fraction(p)).toBe(0.25);
    expect(fraction({ ...p, done: true })).toBe(1);
    expect(fraction({ ...p, totalBytes: 0 })).toBe(0);
    expect(timeLeft(null)).toBe("estimating time left");
    expect(timeLeft(0.2)).toBe("less than a second left");
    expect(timeLeft(600)).toBe("about 10 min left");
    expect(size(1_500_000)).toBe("1.5 MB");
    expect(size(340_000)).toBe("340 KB");
    expect(span("2026-03-02T09:35:00Z", "2026-03-02T09:40:00Z")).toBe("2026-03-02 09:35–09:40");
  });
});
