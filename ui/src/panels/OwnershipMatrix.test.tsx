import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { Edit } from "../api";
import { testModel, testState } from "./testModel";

const calls: string[] = [];
vi.mock("../api", async (orig) => {
  const real = await orig<typeof import("../api")>();
  return {
    ...real,
    api: {
      ...real.api,
      exportMatrix: vi.fn(async (id: number, format: string) => {
        calls.push(`export:${id}:${format}`);
        return format === "csv" ? "entity,erp\norder,owner\n" : "| entity |";
      }),
      saveDocument: vi.fn(async (path: string, text: string, enc: string) => {
        calls.push(`save:${path}:${enc}:${text.length}`);
        return null;
      }),
    },
    pickSaveFile: vi.fn(async (_t: string, def: string) => `/tmp/${def}`),
  };
});

const { OwnershipMatrix, roleEdit } = await import("./OwnershipMatrix");

afterEach(() => {
  calls.length = 0;
});

function setup() {
  const edits: Edit[] = [];
  const apply = vi.fn(async (e: Edit) => {
    edits.push(e);
  });
  const onDone = vi.fn();
  const onError = vi.fn();
  render(<OwnershipMatrix state={testState()} apply={apply} onError={onError} onDone={onDone} />);
  return { edits, onDone, onError };
}

const cell = (entity: string, system: string) => document.querySelector(`[data-testid="matrix-cell"][data-entity="${entity}"][data-system="${system}"]`) as HTMLElement;
const choose = (entity: string, system: string, role: string) => fireEvent.change(cell(entity, system).querySelector("select")!, { target: { value: role } });

describe("OwnershipMatrix", () => {
  it("shows owner, copy and nothing per entity and system", () => {
    setup();
    expect(screen.getAllByTestId("matrix-row").map((r) => r.dataset.entity)).toEqual(["order", "stock"]);
    expect(cell("order", "erp").dataset.role).toBe("owner");
    expect(cell("order", "wms").dataset.role).toBe("copy");
    expect(cell("order", "shop").dataset.role).toBe("none");
    expect(cell("stock", "erp").dataset.role).toBe("none");
  });

  it("toggles copies with setCopies", async () => {
    const { edits } = setup();
    choose("order", "shop", "copy");
    choose("order", "wms", "none");
    await waitFor(() => expect(edits).toHaveLength(2));
    expect(edits).toEqual([
      { op: "setCopies", entity: "order", copies: ["wms", "shop"] },
      { op: "setCopies", entity: "order", copies: [] },
    ]);
  });

  it("asks for the rationale before making a system the owner", async () => {
    const { edits } = setup();
    choose("stock", "wms", "owner");
    expect(edits).toHaveLength(0);
    fireEvent.change(screen.getByTestId("matrix-rationale"), { target: { value: "It counts the stock" } });
    fireEvent.click(screen.getByTestId("matrix-rationale-ok"));
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toEqual({ op: "setOwner", entity: "stock", owner: "wms", rationale: "It counts the stock" });
    // Cancel applies nothing.
    choose("stock", "erp", "owner");
    fireEvent.click(screen.getByTestId("matrix-rationale-cancel"));
    expect(screen.queryByTestId("matrix-rationale-form")).toBeNull();
    expect(edits).toHaveLength(1);
  });

  it("turns a copy into the owner in one step (the backend keeps the old owner as a copy)", () => {
    const e = testModel().entities[0]!;
    expect(roleEdit(e, "wms", "owner", "why")).toEqual({ op: "setOwner", entity: "order", owner: "wms", rationale: "why" });
    expect(roleEdit(e, "erp", "owner", null)).toBeNull();
    expect(roleEdit(e, "erp", "none", null)).toEqual({ op: "setOwner", entity: "order", owner: null, rationale: null });
  });

  it("cuts long names short and shows the full name on hover", () => {
    const m = testModel();
    const long = "Very long entity name ".repeat(14).trim();
    m.entities[0]!.name = long;
    render(<OwnershipMatrix state={testState(m)} apply={vi.fn(async () => {})} onError={vi.fn()} onDone={vi.fn()} />);
    const name = screen.getAllByTestId("matrix-entity-name").find((n) => n.textContent === long)!;
    expect(name.title).toBe(long);
    expect(name.style.textOverflow).toBe("ellipsis");
    expect(name.style.maxWidth).toBe("16rem");
    expect(screen.getAllByTestId("matrix-system-name")[0]!.title).toBe("ERP");
  });

  it("filters rows", () => {
    setup();
    fireEvent.change(screen.getByTestId("matrix-filter"), { target: { value: "sto" } });
    expect(screen.getAllByTestId("matrix-row").map((r) => r.dataset.entity)).toEqual(["stock"]);
    expect(screen.getByTestId("matrix-count").textContent).toBe("1 of 2 entities");
  });

  it("exports CSV and Markdown through the backend and saves the file", async () => {
    const { onDone, onError } = setup();
    fireEvent.click(screen.getByTestId("matrix-export-csv"));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith("Saved the ownership matrix to /tmp/shop-ownership.csv"));
    fireEvent.click(screen.getByTestId("matrix-export-markdown"));
    await waitFor(() => expect(onDone).toHaveBeenCalledTimes(2));
    expect(calls).toEqual(["export:7:csv", "save:/tmp/shop-ownership.csv:text:23", "export:7:markdown", "save:/tmp/shop-ownership.md:text:10"]);
    expect(onError).not.toHaveBeenCalled();
  });
});
