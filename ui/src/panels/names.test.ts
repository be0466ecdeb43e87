import { describe, expect, it } from "vitest";
import { freshId } from "../canvas/graph";
import { toAscii } from "./names";
import { slugify } from "./SystemsPanel";

describe("ids made from names", () => {
  it("transliterate letters instead of dropping them", () => {
    expect(slugify("Århus")).toBe("arhus");
    expect(slugify("Straße Øst")).toBe("strasse-ost");
    expect(slugify("Łódź Lager")).toBe("lodz-lager");
    expect(slugify("Crème brûlée")).toBe("creme-brulee");
    expect(slugify("Đakovo Æble")).toBe("dakovo-aeble");
    expect(slugify("E2E Gateway")).toBe("e2e-gateway");
    expect(freshId("Århus", new Set(["arhus"]))).toBe("arhus-2");
    expect(toAscii("Ærø")).toBe("AEro");
  });

  it("stay valid ids when cut at 64 characters", () => {
    const id = slugify(`${"a".repeat(63)} b`);
    expect(id).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
    expect(id.endsWith("-")).toBe(false);
  });
});
