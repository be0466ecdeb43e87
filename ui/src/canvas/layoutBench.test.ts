// A benchmark, skipped in the test run: the automatic layout side by side, ELK alone (before) and
// ELK with the grid search for small models (now), on the two example models and on generated
// dense ones; prints the zoom each fits a 1280×800 window at (layoutCost) and the median time of
// 5 runs each, interleaved. From ui/: `VITE_BENCH=1 npx vitest run src/canvas/layoutBench.test.ts`.
// Figures in docs/performance.md.
import { describe, it } from "vitest";
import ecommerce from "../../../models/examples/ecommerce.model.json?raw";
import seafood from "../../../models/examples/seafood.model.json?raw";
import type { Model } from "../api";
import { elkLayout, type LayoutInput } from "./elkLayout";
import { layoutInput } from "./layout";
import { bestLayout, layoutCost } from "./gridLayout";

/** n systems and m flows between seeded random pairs (no flow twice in one direction). */
function dense(n: number, m: number): LayoutInput {
  const nodes = [...Array(n).keys()].map((i) => ({ id: `s${i}`, width: 320, height: 132 + (i % 3) * 30 }));
  const edges: LayoutInput["edges"] = [];
  let k = 7;
  const next = () => (k = (k * 48271) % 2147483647);
  while (edges.length < m) {
    const a = next() % n;
    const b = next() % n;
    if (a !== b && !edges.some((e) => e.source === `s${a}` && e.target === `s${b}`)) edges.push({ id: `e${edges.length}`, source: `s${a}`, target: `s${b}` });
  }
  return { nodes, edges };
}

const cases: [string, LayoutInput][] = [
  ["seafood (7 systems, 27 bundles)", layoutInput(JSON.parse(seafood) as Model)],
  ["e-commerce (9 systems, 22 flows)", layoutInput(JSON.parse(ecommerce) as Model)],
  ["generated (10 systems, 30 flows)", dense(10, 30)],
  ["generated (12 systems, 60 flows)", dense(12, 60)],
];

/** Times one run into `times`. */
async function timed(run: () => Promise<unknown>, times: number[]): Promise<void> {
  const t = performance.now();
  await run();
  times.push(performance.now() - t);
}

describe.skipIf(!import.meta.env.VITE_BENCH)("automatic layout, before and now", () => {
  for (const [name, input] of cases) {
    it(name, async () => {
      const before = layoutCost(input, await elkLayout(input));
      const now = layoutCost(input, await bestLayout(input));
      const elkMs: number[] = [];
      const bestMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        await timed(() => elkLayout(input), elkMs);
        await timed(() => bestLayout(input), bestMs);
      }
      const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]?.toFixed(0);
      const f = (s: typeof now) => `fit zoom ${s.zoom.toFixed(2)}, bent ${s.through.toFixed(1)}, crossings ${s.crossings}`;
      console.log(`${name}: ELK ${mid(elkMs)} ms, ${f(before)}; now ${mid(bestMs)} ms, ${f(now)}`);
    }, 120000);
  }
});
