import { beforeEach, describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { api } from "../api";
import { installMockBackend, SAMPLE, type MockBackend } from "../test/mockBackend";
import { DecisionLogPanel, named, readableTime } from "./DecisionLogPanel";

let backend: MockBackend;
beforeEach(() => {
  backend = installMockBackend();
});

const noop = () => undefined;

describe("DecisionLogPanel", () => {
  it("reads like minutes: newest first, names beside ids, local readable times", async () => {
    await api.applyEdit(1, { op: "setOwner", entity: "stock", owner: "erp", rationale: "ERP books every movement" });
    await api.applyEdit(1, { op: "setOwner", entity: "order", owner: "wms", rationale: "Picking starts the order" });
    render(<DecisionLogPanel model={SAMPLE} modelId={1} revision={3} onError={noop} onDone={noop} />);
    const rows = await screen.findAllByTestId("decision-row");
    expect(rows.map((r) => r.dataset.entity)).toEqual(["order", "stock"]);
    expect(rows[0]!.textContent).toContain("Order (order)");
    expect(rows[0]!.textContent).toContain("ERP (erp)");
    expect(rows[0]!.textContent).toContain("Warehouse (wms)");
    const when = rows[0]!.querySelector('[data-testid="decision-when"]') as HTMLElement;
    expect(when.title).toMatch(/^2026-11-23T12:0\dZ|^2026-11-23T12:0\d:00\.000Z$/);
    expect(when.textContent).not.toContain("T12:");
    expect(when.textContent).toContain("2026");
  });

  it("asks once who is deciding, records it, and lets it be changed", async () => {
    render(<DecisionLogPanel model={SAMPLE} modelId={1} revision={1} onError={noop} onDone={noop} />);
    const input = await screen.findByTestId("user-name-input");
    expect((screen.getByTestId("user-name-save") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: "  Åse Nordmann " } });
    fireEvent.click(screen.getByTestId("user-name-save"));
    await waitFor(() => expect(screen.getByTestId("user-name-value").textContent).toBe("Åse Nordmann"));
    expect(backend.calls).toContain("set_user_name");
    // A later decision carries the name.
    await api.applyEdit(1, { op: "setOwner", entity: "stock", owner: "erp", rationale: "r" });
    const log = await api.decisionLog(1);
    expect(log.at(-1)?.who).toBe("Åse Nordmann");
    fireEvent.click(screen.getByTestId("user-name-change"));
    fireEvent.change(screen.getByTestId("user-name-input"), { target: { value: "Åse N." } });
    fireEvent.click(screen.getByTestId("user-name-save"));
    await waitFor(() => expect(screen.getByTestId("user-name-value").textContent).toBe("Åse N."));
  });

  it("names and times degrade to what is stored", () => {
    expect(named("gone", new Map())).toBe("gone");
    expect(named(null, new Map())).toBe("—");
    expect(named("erp", new Map([["erp", "erp"]]))).toBe("erp");
    expect(readableTime("not a time")).toBe("not a time");
  });
});
