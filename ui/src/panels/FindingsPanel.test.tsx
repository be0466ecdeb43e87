import { describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { Finding } from "../api";
import { FindingsPanel, groupFindings, subjectOf } from "./FindingsPanel";
import { testModel, testState } from "./testModel";


const f = (severity: Finding["severity"], code: string, subject: string, message = `${code} on ${subject}`): Finding => ({ severity, code, subject, message, fix: `fix ${subject}` });

const FINDINGS: Finding[] = [
  f("warning", "unacknowledged-flow", "order"),
  f("error", "no-owner", "stock"),
  f("info", "no-steward", "order"),
  f("warning", "missing-idempotency-key", "order"),
  f("warning", "unacknowledged-flow", "order", "again"),
  f("error", "condition-unknown-field", "total-ok"),
];

describe("FindingsPanel", () => {
  it("groups by severity then code, with counts", () => {
    const groups = groupFindings(FINDINGS);
    expect(groups.map((g) => [g.severity, g.count, g.groups.map((x) => `${x.code}:${x.findings.length}`)])).toEqual([
      ["error", 2, ["condition-unknown-field:1", "no-owner:1"]],
      ["warning", 3, ["missing-idempotency-key:1", "unacknowledged-flow:2"]],
      ["info", 1, ["no-steward:1"]],
    ]);
    render(<FindingsPanel state={testState(testModel(), FINDINGS)} onSelect={vi.fn()} applyQuickFix={vi.fn()} />);
    expect(screen.getAllByTestId("finding")).toHaveLength(6);
    const warn = document.querySelector('[data-testid="finding-severity"][data-severity="warning"]') as HTMLElement;
    expect(within(warn).getByRole("heading").textContent).toBe("Warnings (3)");
    expect(screen.getByTestId("findings-panel").dataset.errors).toBe("2");
    // Text, never HTML.
    const evil = [f("error", "no-owner", "stock", "<img src=x onerror=alert(1)>")];
    cleanup();
    render(<FindingsPanel state={testState(testModel(), evil)} onSelect={vi.fn()} applyQuickFix={vi.fn()} />);
    expect(screen.getByTestId("finding").textContent).toContain("<img src=x onerror=alert(1)>");
    expect(document.querySelector("img")).toBeNull();
  });

  it("selects the subject by the code's kind when ids are shared", () => {
    const m = testModel(); // "order" is an entity and a flow
    expect(subjectOf(m, { code: "unacknowledged-flow", subject: "order" })).toEqual({ kind: "flow", id: "order" });
    expect(subjectOf(m, { code: "zero-ack-deadline", subject: "order" })).toEqual({ kind: "flow", id: "order" });
    expect(subjectOf(m, { code: "ack-deadline-without-ack", subject: "order" })).toEqual({ kind: "flow", id: "order" });
    expect(subjectOf(m, { code: "no-steward", subject: "order" })).toEqual({ kind: "entity", id: "order" });
    expect(subjectOf(m, { code: "condition-unknown-field", subject: "total-ok" })).toEqual({ kind: "rule", id: "total-ok" });
    expect(subjectOf(m, { code: "some-new-code", subject: "shop" })).toEqual({ kind: "system", id: "shop" });
    const onSelect = vi.fn();
    render(<FindingsPanel state={testState(m, FINDINGS)} onSelect={onSelect} applyQuickFix={vi.fn()} />);
    fireEvent.click(document.querySelector('[data-testid="finding"][data-code="missing-idempotency-key"]') as HTMLElement);
    expect(onSelect).toHaveBeenLastCalledWith({ kind: "flow", id: "order" });
    fireEvent.click(document.querySelector('[data-testid="finding"][data-code="no-steward"]') as HTMLElement);
    expect(onSelect).toHaveBeenLastCalledWith({ kind: "entity", id: "order" });
  });

  it("offers the quick fix with its label only where one exists, and applies it", async () => {
    const applyQuickFix = vi.fn(async () => undefined);
    const onSelect = vi.fn();
    const fixes = [{ code: "no-owner", subject: "stock", label: 'Make "erp" the owner' }];
    render(<FindingsPanel state={testState(testModel(), FINDINGS, fixes)} onSelect={onSelect} applyQuickFix={applyQuickFix} />);
    const buttons = screen.getAllByTestId("quick-fix");
    expect(buttons).toHaveLength(1);
    expect(buttons[0]!.textContent).toBe('Apply fix: Make "erp" the owner');
    expect(buttons[0]!.closest('[data-testid="finding"]')!.getAttribute("data-subject")).toBe("stock");
    fireEvent.click(buttons[0]!);
    await waitFor(() => expect(applyQuickFix).toHaveBeenCalledWith("no-owner", "stock"));
    expect(onSelect).not.toHaveBeenCalled();
  });

  it("shows a refused quick fix", async () => {
    const applyQuickFix = vi.fn(async () => {
      throw new Error("the fix no longer applies");
    });
    render(<FindingsPanel state={testState(testModel(), FINDINGS, [{ code: "no-owner", subject: "stock", label: "Fix" }])} onSelect={vi.fn()} applyQuickFix={applyQuickFix} />);
    fireEvent.click(screen.getByTestId("quick-fix"));
    expect((await screen.findByTestId("quick-fix-error")).textContent).toBe("the fix no longer applies");
  });

  it("says so when there are no findings", () => {
    render(<FindingsPanel state={testState(testModel(), [])} onSelect={vi.fn()} applyQuickFix={vi.fn()} />);
    expect(screen.getByTestId("no-findings")).toBeTruthy();
  });
});

describe("FindingsPanel with many findings", () => {
  it("shows the first findings of a large group, then all on request", () => {
    const many = Array.from({ length: 250 }, (_, i) => f("warning", "no-steward", `e${i}`));
    render(<FindingsPanel state={testState(testModel(), many)} onSelect={vi.fn()} applyQuickFix={vi.fn()} />);
    expect(screen.getAllByTestId("finding")).toHaveLength(100);
    expect(screen.getByTestId("finding-group").dataset.count).toBe("250");
    fireEvent.click(screen.getByTestId("findings-show-all"));
    expect(screen.getAllByTestId("finding")).toHaveLength(250);
  });
});
