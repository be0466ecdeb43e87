// ELK's layered algorithm over the systems and flows. Runs inside the
// layout worker (layout.worker.ts) or, where there are no workers (tests),
// on the main thread.
import ELK from "elkjs/lib/elk.bundled.js";

export type LayoutInput = { nodes: { id: string; width: number; height: number }[]; edges: { id: string; source: string; target: string }[] };
export type LayoutOutput = { nodeId: string; x: number; y: number }[];

export async function elkLayout(input: LayoutInput): Promise<LayoutOutput> {
  const elk = new ELK();
  const big = input.nodes.length > 150;
  const ids = new Set(input.nodes.map((n) => n.id));
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.spacing.nodeNode": "60",
      "elk.layered.spacing.nodeNodeBetweenLayers": "160",
      "elk.layered.spacing.edgeNodeBetweenLayers": "40",
      "elk.separateConnectedComponents": "true",
      // Big models: cheaper crossing minimisation and node placement.
      ...(big ? { "elk.layered.thoroughness": "1", "elk.layered.nodePlacement.strategy": "SIMPLE", "elk.layered.crossingMinimization.strategy": "LAYER_SWEEP" } : {}),
    },
    children: input.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: input.edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return (graph.children ?? []).map((c) => ({ nodeId: c.id, x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }));
}
