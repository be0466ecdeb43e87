import { describe, expect, it } from "vitest";
import { clearOffset } from "./route";
import { bend, control } from "./labels";

const box = (id: string, x: number, y: number) => ({ id, x, y, w: 260, h: 120 });

/** Whether the curve from a's right side to b's left side, bent by `offset`, passes through `c`. */
function through(a: ReturnType<typeof box>, b: ReturnType<typeof box>, offset: number, c: ReturnType<typeof box>): boolean {
  const [sx, sy, tx, ty] = [a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2];
  const { cx, cy } = control(sx, sy, tx, ty, bend(sx, tx, offset));
  for (let i = 1; i < 20; i++) {
    const t = i / 20;
    const u = 1 - t;
    const x = u * u * sx + 2 * u * t * cx + t * t * tx;
    const y = u * u * sy + 2 * u * t * cy + t * t * ty;
    if (x > c.x && x < c.x + c.w && y > c.y && y < c.y + c.h) return true;
  }
  return false;
}

describe("routing flows around boxes", () => {
  const a = box("a", 0, 0);
  const mid = box("mid", 420, 0);
  const b = box("b", 840, 0);

  it("leaves a flow that crosses nothing as it is", () => {
    expect(clearOffset(a, mid, 0, [a, mid, b])).toBe(0);
    expect(clearOffset(a, b, 30, [a, b])).toBe(30);
  });

  it("bends a flow around the system between its two ends", () => {
    expect(through(a, b, 0, mid)).toBe(true);
    const o = clearOffset(a, b, 0, [a, mid, b]);
    expect(o).not.toBe(0);
    expect(through(a, b, o, mid)).toBe(false);
  });

  it("widens on the side the flow already leans to", () => {
    const o = clearOffset(a, b, -46, [a, mid, b]);
    expect(o).toBeLessThan(-46);
    expect(through(a, b, o, mid)).toBe(false);
  });
});
