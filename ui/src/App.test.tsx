import { beforeEach, describe, expect, it } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import App from "./App";
import { installMockBackend, type MockBackend } from "./test/mockBackend";

let backend: MockBackend;

beforeEach(() => {
  backend = installMockBackend();
});

async function ready(view: "canvas" | "list" = "list") {
  render(<App />);
  await waitFor(() => expect(screen.getByTestId("app").dataset.ready).toBe("true"));
  await screen.findByTestId("canvas");
  if (view === "list") {
    fireEvent.click(screen.getByTestId("view-list"));
    await screen.findByTestId("systems-panel");
  }
}

function systemNames(): string[] {
  return screen.getAllByTestId("system-name").map((n) => n.textContent ?? "");
}

describe("App", () => {
  it("opens the model the backend names at startup", async () => {
    await ready();
    expect(screen.getByTestId("model-title").textContent).toContain("Seafood processor");
    expect(systemNames()).toEqual(["ERP", "Warehouse"]);
    expect(screen.getByTestId("undo")).toHaveProperty("disabled", true);
  });

  it("opens on the canvas with a node per system and the stored layout", async () => {
    await ready("canvas");
    await waitFor(() => expect(systemNames()).toEqual(["ERP", "Warehouse"]));
    // No stored positions: the automatic layout ran and was saved.
    await waitFor(() => expect(backend.calls).toContain("set_layout"), { timeout: 8000 });
    // Saved whole (under load a first save may come before the second node's).
    await waitFor(() => expect(backend.layout(1).map((p) => p.nodeId).sort()).toEqual(["erp", "wms"]), { timeout: 8000 });
  });

  it("adds a system on the canvas and renames it in its node", async () => {
    await ready("canvas");
    fireEvent.change(screen.getByTestId("add-system-name"), { target: { value: "Data platform" } });
    fireEvent.click(screen.getByTestId("add-system"));
    await waitFor(() => expect(systemNames()).toContain("Data platform"));
    expect(backend.layout(1).some((p) => p.nodeId === "data-platform")).toBe(true);
    const node = document.querySelector('[data-testid="system-item"][data-id="data-platform"]') as HTMLElement;
    fireEvent.click(within(node).getByTestId("rename-system"));
    fireEvent.change(within(node).getByTestId("rename-name"), { target: { value: "Lakehouse" } });
    fireEvent.click(within(node).getByTestId("rename-ok"));
    await waitFor(() => expect(systemNames()).toContain("Lakehouse"));
  });

  it("adds, renames and undoes with Ctrl+Z, redoes with Ctrl+Shift+Z", async () => {
    await ready();
    fireEvent.change(screen.getByTestId("add-system-name"), { target: { value: "Data platform" } });
    fireEvent.click(screen.getByTestId("add-system"));
    await waitFor(() => expect(systemNames()).toContain("Data platform"));
    const item = document.querySelector('[data-testid="system-item"][data-id="data-platform"]') as HTMLElement;
    fireEvent.click(within(item).getByTestId("rename-system"));
    fireEvent.change(within(item).getByTestId("rename-name"), { target: { value: "Lakehouse" } });
    fireEvent.click(within(item).getByTestId("rename-ok"));
    await waitFor(() => expect(systemNames()).toContain("Lakehouse"));
    await act(async () => {
      fireEvent.keyDown(window, { key: "z", ctrlKey: true });
    });
    await waitFor(() => expect(systemNames()).toContain("Data platform"));
    await act(async () => {
      fireEvent.keyDown(window, { key: "Z", ctrlKey: true, shiftKey: true });
    });
    await waitFor(() => expect(systemNames()).toContain("Lakehouse"));
    expect(backend.calls.filter((c) => c === "undo")).toHaveLength(1);
    expect(backend.calls.filter((c) => c === "redo")).toHaveLength(1);
  });

  it("tells what a delete did, with Undo at hand; undoing tells too, with Redo", async () => {
    await ready();
    fireEvent.click(within(document.querySelector('[data-id="wms"]') as HTMLElement).getByTestId("delete-system"));
    const notice = await screen.findByTestId("notice");
    expect(screen.getByTestId("notice-text").textContent).toBe("deleteSystem");
    expect(notice.dataset.action).toBe("undo");
    await waitFor(() => expect(systemNames()).toEqual(["ERP"]));
    fireEvent.click(screen.getByTestId("notice-action"));
    await waitFor(() => expect(systemNames()).toEqual(["ERP", "Warehouse"]));
    await waitFor(() => expect(screen.getByTestId("notice-text").textContent).toBe("Undid: deleteSystem"));
    expect(screen.getByTestId("notice").dataset.action).toBe("redo");
    fireEvent.click(screen.getByTestId("notice-action"));
    await waitFor(() => expect(systemNames()).toEqual(["ERP"]));
    expect(screen.getByTestId("notice-text").textContent).toBe("Redid: deleteSystem");
  });

  it("selecting a row in the Lists view selects the item everywhere, not a click on its buttons", async () => {
    await ready();
    const wms = document.querySelector('[data-testid="system-item"][data-id="wms"]') as HTMLElement;
    fireEvent.click(within(wms).getByTestId("system-name"));
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("system"));
    expect(wms.getAttribute("aria-selected")).toBe("true");
    const order = document.querySelector('[data-testid="entity-item"][data-id="order"]') as HTMLElement;
    fireEvent.click(order);
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("entity"));
    expect(wms.getAttribute("aria-selected")).toBe("false");
    fireEvent.click(within(wms).getByTestId("rename-system"));
    expect(screen.getByTestId("properties-panel").dataset.kind).toBe("entity");
    fireEvent.click(within(wms).getByText("Cancel"));
    // On the canvas, the selected item is the selected node.
    fireEvent.click(within(wms).getByTestId("system-name"));
    fireEvent.click(screen.getByTestId("view-canvas"));
    await waitFor(() => expect(document.querySelector('.react-flow__node.selected')?.getAttribute("data-id")).toBe("wms"));
  });

  it("says nothing for an ordinary edit", async () => {
    await ready();
    fireEvent.change(screen.getByTestId("add-system-name"), { target: { value: "Lab" } });
    fireEvent.click(screen.getByTestId("add-system"));
    await waitFor(() => expect(systemNames()).toContain("Lab"));
    expect(screen.queryByTestId("notice")).toBeNull();
  });

  it("shows a refused edit's message and keeps the model", async () => {
    await ready();
    fireEvent.change(screen.getByTestId("add-system-name"), { target: { value: "Again" } });
    fireEvent.change(screen.getByTestId("add-system-id"), { target: { value: "erp" } });
    fireEvent.click(screen.getByTestId("add-system"));
    const banner = await screen.findByTestId("banner");
    expect(banner.dataset.kind).toBe("error");
    expect(banner.textContent).toContain('already a system with id "erp"');
    expect(systemNames()).toEqual(["ERP", "Warehouse"]);
  });

  it("asks for a rationale before changing an owner, and logs it", async () => {
    await ready();
    const stock = document.querySelector('[data-testid="entity-item"][data-id="stock"]') as HTMLElement;
    fireEvent.change(within(stock).getByTestId("owner-select"), { target: { value: "erp" } });
    expect(backend.calls).not.toContain("apply_edit");
    fireEvent.change(within(stock).getByTestId("rationale-input"), { target: { value: "ERP books every movement" } });
    fireEvent.click(within(stock).getByTestId("rationale-ok"));
    await waitFor(() => expect(backend.calls).toContain("apply_edit"));
    fireEvent.click(screen.getByTestId("toggle-decisions"));
    const row = await screen.findByTestId("decision-row");
    expect(row.textContent).toContain("ERP books every movement");
    expect(row.dataset.entity).toBe("stock");
  });

  it("shows the findings when export is refused", async () => {
    await ready();
    fireEvent.click(within(document.querySelector('[data-id="erp"]') as HTMLElement).getByTestId("delete-system"));
    await waitFor(() => expect(screen.getByTestId("findings-panel").dataset.errors).toBe("1"));
    backend.nextPath.value = "/tmp/out.config.json";
    fireEvent.click(screen.getByTestId("export-config"));
    const list = await screen.findByTestId("banner-findings");
    expect(list.textContent).toContain("order");
    expect(backend.files.has("/tmp/out.config.json")).toBe(false);
    // Refused before any dialog opened, and the export command was never asked.
    expect(backend.calls).not.toContain("plugin:dialog|save");
    expect(backend.calls).not.toContain("export_config");
    expect(backend.nextPath.value).toBe("/tmp/out.config.json");
  });

  it("falls back to Save As when the model has no file", async () => {
    await ready();
    backend.nextPath.value = "/tmp/seafood.model.json";
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(screen.getByTestId("file-path").textContent).toBe("/tmp/seafood.model.json"));
    expect(backend.calls).toContain("save_model_as");
    expect(backend.files.has("/tmp/seafood.model.json")).toBe(true);
  });

  it("renders user text as text", async () => {
    await ready();
    const evil = '<img src=x onerror="window.__pwned=1">';
    fireEvent.change(screen.getByTestId("add-system-name"), { target: { value: evil } });
    fireEvent.change(screen.getByTestId("add-system-id"), { target: { value: "evil" } });
    fireEvent.click(screen.getByTestId("add-system"));
    await waitFor(() => expect(systemNames()).toContain(evil));
    expect(document.querySelector("img")).toBeNull();
  });

  it("on the canvas the properties fold away until something is selected; Model details opens them; the first-launch guide sits beside the findings", async () => {
    localStorage.removeItem("charter-guide-dismissed");
    await ready("canvas");
    await waitFor(() => expect(screen.getByTestId("side").dataset.folded).toBe("true"));
    expect(screen.queryByTestId("properties-panel")).toBeNull();
    // The guide is in the strip with the findings, not on the drawing.
    expect(screen.getByTestId("guide").closest(".bottom")).not.toBeNull();
    // A selection opens them.
    fireEvent.click(screen.getByTestId("view-list"));
    const wms = (await screen.findAllByTestId("system-item")).find((el) => el.dataset.id === "wms") as HTMLElement;
    fireEvent.click(within(wms).getByTestId("system-name"));
    fireEvent.click(screen.getByTestId("view-canvas"));
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("system"));
    expect(screen.getByTestId("side").dataset.folded).toBe("false");
    // Their Model button shows the model's properties, and they stay open.
    fireEvent.click(screen.getByTestId("properties-model"));
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("model"));
    expect(screen.getByTestId("side").dataset.folded).toBe("false");
    // Hide details folds them; Model details opens them again.
    fireEvent.click(screen.getByTestId("side-fold"));
    await waitFor(() => expect(screen.getByTestId("side").dataset.folded).toBe("true"));
    fireEvent.click(screen.getByTestId("side-open"));
    await waitFor(() => expect(screen.getByTestId("properties-panel").dataset.kind).toBe("model"));
    // Got it hides the guide for good.
    fireEvent.click(screen.getByTestId("guide-dismiss"));
    expect(screen.queryByTestId("guide")).toBeNull();
    expect(localStorage.getItem("charter-guide-dismissed")).toBe("true");
  });

  it("other views keep the properties open with nothing selected", async () => {
    await ready();
    expect(screen.getByTestId("side").dataset.folded).toBe("false");
    expect(screen.getByTestId("properties-panel").dataset.kind).toBe("model");
  });
});
