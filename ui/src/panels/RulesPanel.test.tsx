import { beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { api, type Edit, type Model } from "../api";
import { installMockBackend, mockCelToForm, mockFormToCel, SAMPLE, type MockBackend } from "../test/mockBackend";
import type { ConditionForm } from "./conditions/types";
import { RulesPanel } from "./RulesPanel";

let backend: MockBackend;

beforeEach(() => {
  backend = installMockBackend();
});

/** The panel over the mocked backend's model 1: edits go to the backend, the panel shows what it returns. */
function Harness({ initial = SAMPLE }: { initial?: Model }) {
  const [model, setModel] = useState<Model>(initial);
  const onEdit = async (e: Edit) => {
    setModel((await api.applyEdit(1, e)).model);
  };
  return <RulesPanel model={model} onEdit={onEdit} modelId={1} />;
}

const row = (id: string) => screen.getAllByTestId("rule-item").find((li) => li.dataset.id === id)!;

describe("RulesPanel", () => {
  it("has no free-text condition input", () => {
    render(<Harness />);
    expect(screen.queryByTestId("add-rule-condition")).toBeNull();
    expect(within(screen.getByTestId("add-rule-form")).queryAllByRole("textbox").map((i) => i.dataset.testid)).toEqual(["add-rule-id"]);
  });

  it("adds a validate rule whose condition the backend writes, then edits it with the builder", async () => {
    render(<Harness />);
    fireEvent.change(screen.getByTestId("add-rule-id"), { target: { value: "order-currency" } });
    fireEvent.change(screen.getByTestId("add-rule-action"), { target: { value: "quarantine" } });
    fireEvent.click(screen.getByTestId("add-rule"));
    await waitFor(() => expect(screen.getByText("Rules (2)")).toBeTruthy());
    expect(backend.calls).toContain("condition_to_cel");
    expect(backend.edits.at(-1)).toEqual({
      op: "addRule",
      rule: { kind: "validate", id: "order-currency", entity: "order", condition: "has(data.id)", action: "quarantine", message: null },
    });
    expect(within(row("order-currency")).getByTestId("rule-condition").textContent).toContain("has(data.id)");

    // The new rule's builder is open: add a clause on the enum field.
    const builder = await within(row("order-currency")).findByTestId("condition-builder");
    await waitFor(() => expect(builder.dataset.state).toBe("form"));
    fireEvent.click(within(builder).getByTestId("clause-add"));
    await waitFor(() => expect(within(builder).getAllByTestId("clause")).toHaveLength(2));
    const second = within(builder).getAllByTestId("clause")[1]!;
    fireEvent.change(within(second).getByTestId("clause-field"), { target: { value: "currency" } });
    await waitFor(() => expect(within(row("order-currency")).getByTestId("rule-condition").textContent).toContain('has(data.id) && currency == "EUR"'));
    expect(backend.edits.at(-1)).toMatchObject({ op: "updateRule", id: "order-currency", rule: { condition: 'has(data.id) && currency == "EUR"', action: "quarantine" } });
  });

  it("shows the backend's refusal and keeps the id typed", async () => {
    render(<Harness />);
    fireEvent.change(screen.getByTestId("add-rule-id"), { target: { value: "order-total" } });
    fireEvent.click(screen.getByTestId("add-rule"));
    expect((await screen.findByTestId("add-rule-error")).textContent).toContain('already a rule with id "order-total"');
    expect((screen.getByTestId("add-rule-id") as HTMLInputElement).value).toBe("order-total");
  });

  it("cannot add a rule for an entity without fields: there is nothing to build a condition from", () => {
    render(<Harness />);
    fireEvent.change(screen.getByTestId("add-rule-entity"), { target: { value: "stock" } });
    fireEvent.change(screen.getByTestId("add-rule-id"), { target: { value: "stock-ok" } });
    expect(screen.getByTestId("add-rule")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("add-rule-hint").textContent).toContain("Declare the fields of Stock");
  });

  it("edits an existing condition with the builder; a hand-written one is shown read-only", async () => {
    render(<Harness />);
    fireEvent.click(within(row("order-total")).getByTestId("edit-rule-condition"));
    const builder = await within(row("order-total")).findByTestId("condition-builder");
    await waitFor(() => expect(builder.dataset.state).toBe("form"));
    const clause = within(builder).getByTestId("clause");
    expect(clause.dataset.field).toBe("total");
    expect(clause.dataset.op).toBe("ge");
    fireEvent.change(within(clause).getByTestId("clause-op"), { target: { value: "gt" } });
    await waitFor(() => expect(backend.edits.at(-1)).toMatchObject({ op: "updateRule", id: "order-total", rule: { condition: "total > 0.0" } }));

    cleanup();
    const state = await api.applyEdit(1, { op: "updateRule", id: "order-total", rule: { kind: "validate", id: "order-total", entity: "order", condition: "size(id) > 3", action: "reject" } });
    render(<Harness initial={state.model} />);
    fireEvent.click(screen.getByTestId("edit-rule-condition"));
    const text = await screen.findByTestId("condition-text");
    expect(text.textContent).toBe("size(id) > 3");
    expect(screen.getByTestId("condition-builder").dataset.state).toBe("text");
  });
});

describe("mock condition commands (test scaffolding)", () => {
  const order = SAMPLE.entities[0]!;
  it("reads back the shapes it writes", () => {
    const forms: ConditionForm[] = [
      { join: "all", items: [{ kind: "clause", field: "total", op: "ge", value: "0", values: [], otherField: null }] },
      {
        join: "any",
        items: [
          { kind: "clause", field: "total", op: "gt", value: "5000.5", values: [], otherField: null },
          { kind: "group", clauses: [{ field: "currency", op: "in", value: "", values: ["SEK", "NOK"], otherField: null }, { field: "id", op: "startsWith", value: 'A"1', values: [], otherField: null }] },
          { kind: "clause", field: "currency", op: "notIn", value: "", values: ["EUR"], otherField: null },
          { kind: "clause", field: "id", op: "absent", value: "", values: [], otherField: null },
        ],
      },
    ];
    expect(mockFormToCel(order, forms[1]!)).toBe('total > 5000.5 || (currency in ["SEK", "NOK"] && id.startsWith("A\\"1")) || !(currency in ["EUR"]) || !has(data.id)');
    for (const f of forms) expect(mockCelToForm(order, mockFormToCel(order, f))).toEqual(f);
  });
  it("refuses what Rust refuses and reads other text as null", () => {
    expect(() => mockFormToCel(order, { join: "all", items: [] })).toThrow();
    expect(() => mockFormToCel(order, { join: "all", items: [{ kind: "clause", field: "total", op: "gt", value: "many", values: [], otherField: null }] })).toThrow();
    expect(() => mockFormToCel(order, { join: "all", items: [{ kind: "clause", field: "currency", op: "eq", value: "USD", values: [], otherField: null }] })).toThrow();
    for (const cel of ["size(id) > 3", "nope == 1", "total > 1.0 && currency == \"SEK\" || id == \"x\"", "", "total + 1 > 2"]) expect(mockCelToForm(order, cel)).toBeNull();
  });
});
