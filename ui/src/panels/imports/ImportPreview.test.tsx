import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import type { ImportPreview, Model } from "../../api";
import { MOCK_IMPORT } from "../../test/mockBackend";
import { chosenModel, ImportPreviewDialog } from "./ImportPreview";

afterEach(cleanup);
const none = () => ({ systems: new Set<string>(), entities: new Set<string>(), flows: new Set<string>() });

describe("chosenModel", () => {
  it("keeps everything by default", () => {
    expect(chosenModel(MOCK_IMPORT.model, none())).toEqual(MOCK_IMPORT.model);
  });
  it("a system left out takes its flows and leaves what it owned undecided", () => {
    const skipped = none();
    skipped.systems.add("erp");
    const m = chosenModel(MOCK_IMPORT.model, skipped);
    expect(m.systems.map((s) => s.id)).toEqual(["shop", "crm"]);
    expect(m.flows.map((f) => f.id)).toEqual(["customer-shop-to-crm"]);
    const stock = m.entities.find((e) => e.id === "stock")!;
    expect(stock.owner).toBeUndefined();
    expect(stock.copies).toEqual(["shop"]);
  });
  it("an entity left out takes its flows", () => {
    const skipped = none();
    skipped.entities.add("customer");
    expect(chosenModel(MOCK_IMPORT.model, skipped).flows.map((f) => f.id)).toEqual(["stock-erp-to-shop"]);
  });
});

describe("ImportPreviewDialog", () => {
  it("shows every box, entity and arrow as text, and sends the edited model", () => {
    const onMerge = vi.fn<(m: Model) => void>();
    render(<ImportPreviewDialog preview={MOCK_IMPORT as ImportPreview} openModel="Shop" onCreate={() => undefined} onMerge={onMerge} onCancel={() => undefined} />);
    expect(screen.getAllByTestId("import-system")).toHaveLength(3);
    expect(screen.getAllByTestId("import-flow")).toHaveLength(2);
    // A markup label stays text.
    const crm = screen.getAllByTestId("import-system").find((r) => r.dataset.id === "crm")!;
    expect((within(crm).getByTestId("import-name") as HTMLInputElement).value).toBe("<b>CRM</b>");
    expect(document.querySelector(".import-preview b")).toBeNull();
    expect(screen.getByTestId("import-unplaced").textContent).toContain("goes nowhere");
    // Edit: rename a system, make a flow an event, leave CRM out.
    fireEvent.change(within(screen.getAllByTestId("import-system")[0]!).getByTestId("import-name"), { target: { value: "Storefront" } });
    const flow = screen.getAllByTestId("import-flow").find((r) => r.dataset.id === "stock-erp-to-shop")!;
    fireEvent.change(within(flow).getByTestId("import-flow-pattern"), { target: { value: "request" } });
    fireEvent.click(within(crm).getByRole("checkbox"));
    fireEvent.click(screen.getByTestId("import-merge"));
    const sent = onMerge.mock.calls[0]![0];
    expect(sent.systems.map((s) => `${s.id}:${s.name}`)).toEqual(["shop:Storefront", "erp:ERP"]);
    expect(sent.flows.map((f) => `${f.id}:${f.pattern}`)).toEqual(["stock-erp-to-shop:request"]);
  });
});
