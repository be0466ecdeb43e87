import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { Edit } from "../api";
import { EntitiesPanel } from "./EntitiesPanel";
import { testModel } from "./testModel";

function setup() {
  const edits: Edit[] = [];
  const onEdit = vi.fn(async (e: Edit) => {
    edits.push(e);
  });
  render(<EntitiesPanel model={testModel()} onEdit={onEdit} />);
  return edits;
}

describe("EntitiesPanel: a new entity", () => {
  it("starts with an empty key field and takes the key as typed", async () => {
    const edits = setup();
    const key = screen.getByTestId<HTMLInputElement>("add-entity-key");
    expect(key.value).toBe("");
    fireEvent.change(screen.getByTestId("add-entity-name"), { target: { value: "Purchase order" } });
    fireEvent.change(key, { target: { value: "poNumber" } });
    fireEvent.click(screen.getByTestId("add-entity"));
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toEqual({ op: "addEntity", entity: { id: "purchase-order", name: "Purchase order", key: "poNumber", fields: [], copies: [] } });
    await waitFor(() => expect(key.value).toBe(""));
  });

  it("leaves the key empty when none is typed (the checks ask for one), never a silent \"id\"", async () => {
    const edits = setup();
    fireEvent.change(screen.getByTestId("add-entity-name"), { target: { value: "Voucher" } });
    fireEvent.click(screen.getByTestId("add-entity"));
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toMatchObject({ op: "addEntity", entity: { id: "voucher", key: "" } });
  });
});
