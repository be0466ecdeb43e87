import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { PropertiesPanel } from "./PropertiesPanel";
import { testModel, testState } from "./testModel";
import type { Edit, Model } from "../api";
import type { Selection } from "../selection";
import type { ConditionForm, ConditionService } from "./conditions/types";


/** A fake of the backend's condition commands: reads `field op number` joined by &&, writes it back. */
function fakeConditions(): ConditionService & { toCel: ReturnType<typeof vi.fn> } {
  const ops: Record<string, string> = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" };
  const back = Object.fromEntries(Object.entries(ops).map(([k, v]) => [v, k]));
  const toCel = vi.fn(async (_entity: string, form: ConditionForm) => {
    return form.items
      .map((it) => {
        if (it.kind !== "clause") throw new Error("groups are not faked");
        if (it.value === "") throw new Error(`\`${it.field}\` needs a value`);
        return `${it.field} ${ops[it.op]} ${it.value}`;
      })
      .join(" && ");
  });
  const fromCel = vi.fn(async (_entity: string, cel: string): Promise<ConditionForm | null> => {
    const items = [];
    for (const part of cel.split(" && ")) {
      const m = /^(\w+) (==|!=|<=|>=|<|>) ([0-9.]+)$/.exec(part);
      if (!m) return null;
      items.push({ kind: "clause" as const, field: m[1]!, op: back[m[2]!] as "eq", value: String(Number(m[3])), values: [], otherField: null });
    }
    return { join: "all", items };
  });
  return { toCel, fromCel };
}

function setup(selection: Selection | null, model: Model = testModel(), fail?: string) {
  const edits: Edit[] = [];
  const apply = vi.fn(async (e: Edit) => {
    if (fail) throw Object.assign(new Error(fail), { code: "edit-refused" });
    edits.push(e);
  });
  const onSelect = vi.fn();
  const conditions = fakeConditions();
  render(<PropertiesPanel state={testState(model)} selection={selection} apply={apply} onSelect={onSelect} conditions={conditions} />);
  return { edits, apply, onSelect, conditions };
}

function commitText(testid: string, value: string, container: HTMLElement = document.body) {
  const input = within(container).getByTestId(testid) as HTMLInputElement;
  fireEvent.change(input, { target: { value } });
  fireEvent.blur(input);
  return input;
}

describe("PropertiesPanel", () => {
  it("edits the model's name, description and environments", async () => {
    const { edits } = setup(null);
    commitText("model-name", "Shop 2");
    commitText("model-description", "The web shop");
    const add = screen.getByTestId("model-environments-add");
    fireEvent.change(add, { target: { value: "dev" } });
    fireEvent.keyDown(add, { key: "Enter" });
    await waitFor(() => expect(edits).toHaveLength(3));
    expect(edits).toEqual([
      { op: "setModelName", name: "Shop 2" },
      { op: "setModelDescription", description: "The web shop" },
      { op: "setEnvironments", environments: ["test", "prod", "dev"] },
    ]);
  });

  it("commits a system's text on blur and its selects at once, as the whole system", async () => {
    const { edits } = setup({ kind: "system", id: "shop" });
    const team = screen.getByTestId("prop-system-team") as HTMLInputElement;
    fireEvent.change(team, { target: { value: "Web team" } });
    expect(edits).toHaveLength(0); // not before blur
    fireEvent.keyDown(team, { key: "Enter" });
    fireEvent.change(screen.getByTestId("system-kind"), { target: { value: "oms" } });
    fireEvent.click(screen.getByTestId("system-side-effects"));
    await waitFor(() => expect(edits).toHaveLength(3));
    expect(edits[0]).toEqual({ op: "updateSystem", id: "shop", system: { id: "shop", name: "Webshop", kind: "ecommerce", team: "Web team" } });
    expect(edits[1]).toMatchObject({ op: "updateSystem", system: { kind: "oms", team: "Digital" } });
    expect(edits[2]).toMatchObject({ op: "updateSystem", system: { sideEffects: true } });
  });

  it("edits endpoints per environment with a credential reference", async () => {
    const { edits } = setup({ kind: "system", id: "wms" });
    const test = document.querySelector('[data-testid="endpoint"][data-env="test"]') as HTMLElement;
    expect(within(test).queryByTestId("endpoint-url")).toBeNull();
    fireEvent.change(within(test).getByTestId("endpoint-protocol"), { target: { value: "queue" } });
    const prod = document.querySelector('[data-testid="endpoint"][data-env="prod"]') as HTMLElement;
    commitText("endpoint-credential", "vault:wms/prod2", prod);
    commitText("endpoint-rate", "600", prod);
    await waitFor(() => expect(edits).toHaveLength(3));
    expect(edits[0]).toMatchObject({ system: { endpoints: { test: { protocol: "queue", url: "" }, prod: { protocol: "rest" } } } });
    expect(edits[1]).toMatchObject({ system: { endpoints: { prod: { credentialRef: "vault:wms/prod2" } } } });
    expect(edits[2]).toMatchObject({ system: { endpoints: { prod: { rateLimitPerMinute: 600 } } } });
  });

  it("renames through the update edit and follows the selection", async () => {
    const { edits, onSelect } = setup({ kind: "system", id: "shop" });
    commitText("system-id", "webshop");
    await waitFor(() => expect(onSelect).toHaveBeenCalledWith({ kind: "system", id: "webshop" }));
    expect(edits[0]).toMatchObject({ op: "updateSystem", id: "shop", system: { id: "webshop" } });
  });

  it("shows a refusal next to the form and keeps what the user typed", async () => {
    setup({ kind: "system", id: "shop" }, testModel(), 'a system with id "erp" already exists');
    const input = commitText("system-id", "erp");
    expect(await screen.findByTestId("form-error")).toHaveProperty("textContent", 'a system with id "erp" already exists');
    expect(input.value).toBe("erp");
  });

  it("shows a refusal beside the field that caused it, marks that field, and only there", async () => {
    setup({ kind: "entity", id: "order" }, testModel(), "a name can have at most 200 characters");
    const input = commitText("prop-entity-name", "x");
    const error = await screen.findByTestId("form-error");
    // Inside the Name row, not at the bottom of the form.
    expect(input.closest(".form-row")?.contains(error)).toBe(true);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getAllByTestId("form-error")).toHaveLength(1);
    expect(screen.getByTestId("entity-steward").getAttribute("aria-invalid")).toBeNull();
    // A refused checkbox shows it beside the checkbox.
    fireEvent.click(screen.getByTestId("entity-monetary"));
    await waitFor(() => expect(screen.getByTestId("entity-monetary").closest(".form-row")?.querySelector('[data-testid="form-error"]')).not.toBeNull());
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(screen.getAllByTestId("form-error")).toHaveLength(1);
  });

  it("shows a refusal of a later step (the owner's Decide) below the form, not beside the select that opened it", async () => {
    setup({ kind: "entity", id: "order" }, testModel(), "refused");
    const select = screen.getByTestId("entity-owner");
    fireEvent.change(select, { target: { value: "wms" } });
    await Promise.resolve();
    fireEvent.click(screen.getByTestId("owner-decide"));
    const error = await screen.findByTestId("form-error");
    expect(select.closest(".form-row")?.contains(error)).toBe(false);
    expect(select.getAttribute("aria-invalid")).toBeNull();
  });

  it("starts a new selection at the top of its scroll box", () => {
    const edits: Edit[] = [];
    const apply = vi.fn(async (e: Edit) => void edits.push(e));
    const props = { state: testState(), apply, onSelect: vi.fn(), conditions: fakeConditions() };
    const { rerender } = render(
      <div data-testid="box" style={{ overflowY: "auto", height: 100 }}>
        <PropertiesPanel {...props} selection={{ kind: "entity", id: "order" }} />
      </div>,
    );
    const box = screen.getByTestId("box");
    box.scrollTop = 250;
    rerender(
      <div data-testid="box" style={{ overflowY: "auto", height: 100 }}>
        <PropertiesPanel {...props} selection={{ kind: "system", id: "erp" }} />
      </div>,
    );
    expect(box.scrollTop).toBe(0);
    // The same selection again keeps the place.
    box.scrollTop = 120;
    rerender(
      <div data-testid="box" style={{ overflowY: "auto", height: 100 }}>
        <PropertiesPanel {...props} selection={{ kind: "system", id: "erp" }} />
      </div>,
    );
    expect(box.scrollTop).toBe(120);
  });

  it("keeps the fields table in a box of its own that scrolls sideways", () => {
    setup({ kind: "entity", id: "order" });
    const table = screen.getByTestId("entity-fields");
    expect(table.parentElement?.dataset.testid).toBe("entity-fields-box");
    expect(table.parentElement?.className).toBe("fields-scroll");
  });

  it("refuses a number that is not one without calling the backend", async () => {
    const { apply } = setup({ kind: "entity", id: "order" });
    commitText("entity-window", "1.5");
    expect(await screen.findByTestId("entity-window-invalid")).toBeTruthy();
    expect(apply).not.toHaveBeenCalled();
  });

  it("edits an entity: fields, key, copies, owner with a rationale", async () => {
    const { edits } = setup({ kind: "entity", id: "order" });
    fireEvent.click(screen.getByTestId("field-add"));
    const row = document.querySelector('[data-testid="field-row"][data-name="lines"]') as HTMLElement;
    fireEvent.change(within(row).getByTestId("field-type"), { target: { value: "enum" } });
    fireEvent.click(screen.getByTestId("entity-monetary"));
    fireEvent.click(document.querySelector('[data-testid="entity-copies-option"][data-value="shop"]') as HTMLElement);
    await waitFor(() => expect(edits).toHaveLength(4));
    expect((edits[0] as Extract<Edit, { op: "updateEntity" }>).entity.fields?.map((f) => f.name)).toEqual(["id", "total", "lines", "status", "field1"]);
    expect((edits[1] as Extract<Edit, { op: "updateEntity" }>).entity.fields?.[2]).toEqual({ name: "lines", type: "enum", values: [] });
    expect(edits[2]).toMatchObject({ op: "updateEntity", entity: { monetary: true } });
    expect(edits[3]).toEqual({ op: "setCopies", entity: "order", copies: ["wms", "shop"] });
    // The owner asks for the rationale first.
    fireEvent.change(screen.getByTestId("entity-owner"), { target: { value: "shop" } });
    expect(edits).toHaveLength(4);
    fireEvent.change(screen.getByTestId("prop-owner-rationale"), { target: { value: "Orders start in the shop" } });
    fireEvent.click(screen.getByTestId("owner-decide"));
    await waitFor(() => expect(edits).toHaveLength(5));
    expect(edits[4]).toEqual({ op: "setOwner", entity: "order", owner: "shop", rationale: "Orders start in the shop" });
  });

  it("adds a rule for the selected entity and selects it", async () => {
    const { edits, onSelect } = setup({ kind: "entity", id: "order" });
    fireEvent.change(screen.getByTestId("add-rule-kind"), { target: { value: "route" } });
    fireEvent.click(screen.getByTestId("add-rule-button"));
    await waitFor(() => expect(onSelect).toHaveBeenCalledWith({ kind: "rule", id: "order-route" }));
    expect(edits[0]).toEqual({ op: "addRule", rule: { kind: "route", id: "order-route", entity: "order", condition: "has(data.id)", to: [] } });
  });

  it("adds a reconcile rule over every holder of the entity, the owner first", async () => {
    const model = testModel();
    model.entities[0] = { ...model.entities[0]!, copies: ["wms", "shop"] };
    const { edits } = setup({ kind: "entity", id: "order" }, model);
    fireEvent.change(screen.getByTestId("add-rule-kind"), { target: { value: "reconcile" } });
    fireEvent.click(screen.getByTestId("add-rule-button"));
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toMatchObject({ op: "addRule", rule: { kind: "reconcile", entity: "order", systems: ["erp", "wms", "shop"] } });
  });

  it("picks a flow's idempotency key from its entity's fields and sets retry", async () => {
    const { edits } = setup({ kind: "flow", id: "order" });
    const key = screen.getByTestId("flow-idempotency") as HTMLSelectElement;
    expect([...key.options].map((o) => o.value)).toEqual(["", "id", "total", "lines", "status"]);
    fireEvent.change(key, { target: { value: "id" } });
    fireEvent.click(screen.getByTestId("flow-ack"));
    commitText("flow-retry-attempts", "5");
    await waitFor(() => expect(edits).toHaveLength(3));
    expect(edits[0]).toMatchObject({ op: "updateFlow", id: "order", flow: { idempotencyKey: "id" } });
    expect(edits[1]).toMatchObject({ flow: { ack: true } });
    expect(edits[2]).toMatchObject({ flow: { retry: { attempts: 5, backoffSeconds: 30 } } });
    // The schedule shows for scheduled flows.
    expect(screen.queryByTestId("flow-schedule")).toBeNull();
  });

  it("hides the ack deadline on a flow without ack", () => {
    setup({ kind: "flow", id: "order" });
    expect(screen.queryByTestId("flow-ack-within")).toBeNull();
  });

  it("sets and clears a flow's ack deadline, refusing 0", async () => {
    const model = testModel();
    model.flows[0] = { ...model.flows[0]!, ack: true };
    model.entities[0] = { ...model.entities[0]!, consistencyWindowSeconds: 60 };
    const { edits, apply } = setup({ kind: "flow", id: "order" }, model);
    const field = screen.getByTestId("flow-ack-within") as HTMLInputElement;
    expect(field.value).toBe("");
    expect(field.placeholder).toBe("60");
    expect(screen.getByText("empty: the default, 60 s (the consistency window of Order)")).toBeTruthy();
    commitText("flow-ack-within", "0");
    expect(await screen.findByTestId("flow-ack-within-invalid")).toBeTruthy();
    expect(apply).not.toHaveBeenCalled();
    commitText("flow-ack-within", "45");
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toEqual({ op: "updateFlow", id: "order", flow: { ...model.flows[0], ackWithinSeconds: 45 } });
  });

  it("names 300 s as the default when the entity has no consistency window, and clears the deadline", async () => {
    const model = testModel();
    model.flows[0] = { ...model.flows[0]!, ack: true, ackWithinSeconds: 30 };
    const { edits } = setup({ kind: "flow", id: "order" }, model);
    expect(screen.getByText("empty: the default, 300 s")).toBeTruthy();
    expect((screen.getByTestId("flow-ack-within") as HTMLInputElement).value).toBe("30");
    commitText("flow-ack-within", "");
    await waitFor(() => expect(edits).toHaveLength(1));
    const flow = (edits[0] as Extract<Edit, { op: "updateFlow" }>).flow;
    expect(flow.ackWithinSeconds).toBeUndefined();
    expect(flow.ack).toBe(true);
  });

  it("keeps a deadline visible on a flow without ack, so it can be cleared", () => {
    const model = testModel();
    model.flows[0] = { ...model.flows[0]!, ackWithinSeconds: 30 };
    setup({ kind: "flow", id: "order" }, model);
    expect((screen.getByTestId("flow-ack-within") as HTMLInputElement).value).toBe("30");
  });

  it("edits a reconcile rule over three systems, keeping every system in order", async () => {
    const model = testModel();
    model.rules = [...(model.rules ?? []), { kind: "reconcile", id: "settle", entity: "order", systems: ["erp", "wms", "shop"], fields: ["total"] }];
    const { edits } = setup({ kind: "rule", id: "settle" }, model);
    expect((screen.getByTestId("rule-system-a") as HTMLSelectElement).value).toBe("erp");
    const checked = () =>
      [...document.querySelectorAll<HTMLInputElement>('[data-testid="rule-systems-option"]')].filter((i) => i.checked).map((i) => i.dataset.value);
    expect(checked()).toEqual(["shop", "wms"]);
    // Unchecking one keeps the others and the reference.
    fireEvent.click(document.querySelector('[data-testid="rule-systems-option"][data-value="wms"]') as HTMLElement);
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toMatchObject({ op: "updateRule", id: "settle", rule: { systems: ["erp", "shop"] } });
    // A new reference moves to the front; the former one stays, compared with it.
    fireEvent.change(screen.getByTestId("rule-system-a"), { target: { value: "wms" } });
    await waitFor(() => expect(edits).toHaveLength(2));
    expect(edits[1]).toMatchObject({ rule: { systems: ["wms", "erp", "shop"] } });
  });

  it("edits an alert rule's fields", async () => {
    const { edits } = setup({ kind: "rule", id: "ack-drop" });
    fireEvent.change(screen.getByTestId("rule-metric"), { target: { value: "stall-seconds" } });
    commitText("rule-threshold", "600");
    await waitFor(() => expect(edits).toHaveLength(2));
    expect(edits[0]).toEqual({ op: "updateRule", id: "ack-drop", rule: { kind: "alert", id: "ack-drop", flow: "order", metric: "stall-seconds", threshold: 0.98, windowSeconds: 300 } });
    expect(edits[1]).toMatchObject({ rule: { threshold: 600 } });
  });

  it("builds a validate condition with the form: typed clauses become one updateRule", async () => {
    const { edits, conditions } = setup({ kind: "rule", id: "total-ok" });
    const builder = await screen.findByTestId("condition-builder");
    await waitFor(() => expect(builder.dataset.state).toBe("form"));
    const clause = within(builder).getByTestId("clause");
    expect(clause.dataset.field).toBe("total");
    // Operators suit the number field: no text operators.
    const ops = [...(within(clause).getByTestId("clause-op") as HTMLSelectElement).options].map((o) => o.value);
    expect(ops).toContain("lt");
    expect(ops).not.toContain("contains");
    fireEvent.change(within(clause).getByTestId("clause-op"), { target: { value: "gt" } });
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(conditions.toCel).toHaveBeenLastCalledWith("order", { join: "all", items: [{ kind: "clause", field: "total", op: "gt", value: "0", values: [], otherField: null }] });
    expect(edits[0]).toEqual({ op: "updateRule", id: "total-ok", rule: { kind: "validate", id: "total-ok", entity: "order", condition: "total > 0", action: "reject" } });
    // A value commits on blur; a refused form shows the message and keeps the input.
    const value = within(clause).getByTestId("clause-value") as HTMLInputElement;
    expect(value.type).toBe("number");
    fireEvent.change(value, { target: { value: "" } });
    fireEvent.blur(value);
    expect((await within(builder).findByTestId("condition-error")).textContent).toContain("needs a value");
    expect(edits).toHaveLength(1);
  });

  it("shows a hand-written condition read-only, with a rebuild option", async () => {
    const { edits } = setup({ kind: "rule", id: "odd" });
    const builder = await screen.findByTestId("condition-builder");
    await waitFor(() => expect(builder.dataset.state).toBe("text"));
    expect(within(builder).getByTestId("condition-text").textContent).toBe("size(id) > 3");
    expect(within(builder).queryByTestId("clause")).toBeNull();
    fireEvent.click(within(builder).getByTestId("condition-rebuild"));
    expect(builder.dataset.state).toBe("form");
    expect(edits).toHaveLength(0); // nothing replaced until the user edits
    await act(async () => {
      fireEvent.change(within(builder).getByTestId("clause-field"), { target: { value: "lines" } });
    });
    await waitFor(() => expect(edits).toHaveLength(1));
    expect(edits[0]).toMatchObject({ op: "updateRule", id: "odd", rule: { kind: "route", condition: "lines == 0", to: ["shop"] } });
  });
});
