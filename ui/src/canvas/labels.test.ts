import { describe, expect, it } from "vitest";
import { bend, labelAt, LABEL_HEIGHT, placeLabels, type LabelInput } from "./labels";
import type { Rect } from "./graph";

/** A placed label's box (as drawn, without the gap). */
function rectOf(l: LabelInput, spots: ReturnType<typeof placeLabels>): Rect {
  const p = labelAt(l.sx, l.sy, l.tx, l.ty, bend(l.sx, l.tx, l.offset), spots.get(l.id));
  const h = l.height ?? LABEL_HEIGHT;
  return { x: p.x - l.width / 2, y: p.y - h / 2, width: l.width, height: h };
}

const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("placeLabels", () => {
  it("keeps a lone label at the middle of its curve", () => {
    const l: LabelInput = { id: "a", sx: 0, sy: 0, tx: 400, ty: 0, offset: 0, width: 100 };
    expect(placeLabels([l], []).get("a")).toEqual({ t: 0.5, nudge: 0 });
  });

  it("slides a second label on the same corridor clear of the first", () => {
    const a: LabelInput = { id: "a", sx: 100, sy: 0, tx: 300, ty: 0, offset: 0, width: 120 };
    const b: LabelInput = { id: "b", sx: 0, sy: 0, tx: 400, ty: 0, offset: 0, width: 120 };
    const spots = placeLabels([a, b], []);
    expect(overlap(rectOf(a, spots), rectOf(b, spots))).toBe(false);
  });

  it("a label boxed in near its curve goes further out rather than onto another label or a box", () => {
    // Two wide labels on one corridor, between boxes that leave no room within 100 px of it.
    const a: LabelInput = { id: "a", sx: 100, sy: 0, tx: 300, ty: 0, offset: 0, width: 380 };
    const b: LabelInput = { id: "b", sx: 0, sy: 0, tx: 400, ty: 0, offset: 0, width: 380 };
    const boxes: Rect[] = [
      { x: -100, y: 20, width: 600, height: 110 },
      { x: -100, y: -130, width: 600, height: 110 },
    ];
    const spots = placeLabels([a, b], boxes);
    const ra = rectOf(a, spots);
    const rb = rectOf(b, spots);
    expect(overlap(ra, rb)).toBe(false);
    for (const box of boxes) {
      expect(overlap(ra, box)).toBe(false);
      expect(overlap(rb, box)).toBe(false);
    }
  });
});
