import type { Model } from "../api";
import type { LayoutInput, LayoutOutput } from "./elkLayout";
import { buildGraph, nodeSize } from "./graph";

/** What the automatic layout places: the model's systems at the size they will be drawn, and its flows. */
export function layoutInput(m: Model): LayoutInput {
  const g = buildGraph(m, [], { positions: new Map() });
  return { nodes: g.nodes.map((n) => ({ id: n.id, ...nodeSize(n.data) })), edges: g.edges.map((e) => ({ id: e.id, source: e.source, target: e.target })) };
}

/** Lays out systems (ELK, or a grid for a small model: gridLayout.ts), in a worker when the platform has them. */
export async function autoLayout(input: LayoutInput): Promise<LayoutOutput> {
  if (typeof Worker === "undefined") {
    const { bestLayout } = await import("./gridLayout");
    return bestLayout(input);
  }
  const worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise<LayoutOutput>((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<{ ok: boolean; positions?: LayoutOutput; error?: string }>) =>
        ev.data.ok && ev.data.positions ? resolve(ev.data.positions) : reject(new Error(`automatic layout failed: ${ev.data.error ?? "no result"}`));
      worker.onerror = (ev) => reject(new Error(`automatic layout failed: ${ev.message}`));
      worker.postMessage(input);
    });
  } finally {
    worker.terminate();
  }
}
