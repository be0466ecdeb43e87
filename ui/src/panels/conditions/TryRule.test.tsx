import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { Entity, TrialResult } from "../../api";
import { sampleRecord, sampleValue, TryRule } from "./TryRule";
import type { ConditionService } from "./types";

afterEach(cleanup);

const stock = {
  id: "stock",
  name: "Stock",
  key: "sku",
  fields: [
    { name: "sku", type: "string" },
    { name: "onHand", type: "integer" },
    { name: "price", type: "number" },
    { name: "held", type: "boolean" },
    { name: "status", type: "enum", values: ["open", "held"] },
  ],
} as unknown as Entity;

/** A service that records what it is asked and answers by a rule of its own (the real verdict is the runtime's, tested in Rust). */
function service(answer: (cel: string, record: Record<string, unknown>) => TrialResult) {
  const asked: { cel: string; record: Record<string, unknown> }[] = [];
  const s: ConditionService = {
    toCel: () => Promise.resolve(""),
    fromCel: () => Promise.resolve(null),
    trySample: (_entity, cel, record) => {
      asked.push({ cel, record });
      return Promise.resolve(answer(cel, record));
    },
  };
  return { s, asked };
}

describe("TryRule", () => {
  it("starts from a complete typed sample", () => {
    const record = sampleRecord(stock.fields, {}, new Set());
    expect(record).toEqual({ sku: "sample", onHand: 0, price: 0, held: false, status: "open" });
    expect(sampleValue({ name: "d", type: "datetime" } as Entity["fields"][number])).toBe("2026-03-01T10:00:00Z");
  });

  it("sends numbers and booleans as JSON values, text that is not a number as text, and omits absent fields", () => {
    const record = sampleRecord(stock.fields, { onHand: "-3", price: "2.5", held: "true", sku: "A-1" }, new Set(["status"]));
    expect(record).toEqual({ sku: "A-1", onHand: -3, price: 2.5, held: true });
    expect(sampleRecord(stock.fields, { onHand: "lots" }, new Set()).onHand).toBe("lots");
  });

  it("asks the runtime when opened and again as the sample or the condition changes", async () => {
    const { s, asked } = service((cel, r) =>
      (r.onHand as number) >= 0 ? { outcome: "holds", message: "the condition holds", field: null } : { outcome: "fails", message: `${cel} does not hold`, field: null },
    );
    const { rerender } = render(<TryRule entity={stock} cel="onHand >= 0" service={s} />);
    expect(asked).toHaveLength(0);
    const details = screen.getByTestId("try-rule") as HTMLDetailsElement;
    details.open = true;
    fireEvent(details, new Event("toggle"));
    await waitFor(() => expect(screen.getByTestId("try-verdict").dataset.outcome).toBe("holds"));
    expect(asked.at(-1)).toEqual({ cel: "onHand >= 0", record: { sku: "sample", onHand: 0, price: 0, held: false, status: "open" } });

    const onHand = screen.getAllByTestId("try-field").find((r) => r.dataset.field === "onHand")!.querySelector("input")!;
    fireEvent.change(onHand, { target: { value: "-2" } });
    await waitFor(() => expect(screen.getByTestId("try-verdict").dataset.outcome).toBe("fails"));
    expect(asked.at(-1)?.record.onHand).toBe(-2);

    rerender(<TryRule entity={stock} cel="onHand > -5" service={s} />);
    await waitFor(() => expect(asked.at(-1)?.cel).toBe("onHand > -5"));
  });

  it("marks the field the contract refused", async () => {
    const { s } = service(() => ({ outcome: "contract", message: "refused by the contract before any rule: required field `sku` is missing; the gate refuses the message before any rule runs", field: "sku" }));
    render(<TryRule entity={stock} cel="onHand >= 0" service={s} />);
    const details = screen.getByTestId("try-rule") as HTMLDetailsElement;
    details.open = true;
    fireEvent(details, new Event("toggle"));
    fireEvent.click(screen.getAllByTestId("try-unset")[0]!);
    await waitFor(() => expect(screen.getByTestId("try-verdict").textContent).toContain("required field `sku` is missing; the gate refuses the message before any rule runs"));
    expect(screen.getAllByTestId("try-field").find((r) => r.dataset.field === "sku")!.className).toBe("refused");
  });

  it("offers nothing without a runtime to ask", () => {
    const s: ConditionService = { toCel: () => Promise.resolve(""), fromCel: () => Promise.resolve(null) };
    render(<TryRule entity={stock} cel="true" service={s} />);
    expect(screen.queryByTestId("try-rule")).toBeNull();
  });
});
