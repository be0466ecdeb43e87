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
      // Big models: cheaper crossing minimisation and node placement; straight edge routes (the canvas
      // draws its own curves; ELK's orthogonal routing spread a 500-system model over 1,000,000 px).
      ...(big ? { "elk.layered.thoroughness": "1", "elk.layered.nodePlacement.strategy": "SIMPLE", "elk.edgeRouting": "POLYLINE" } : {}),
    },
    children: input.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: layoutEdges(input, ids, big).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return (graph.children ?? []).map((c) => ({ nodeId: c.id, x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }));
}

/** Outgoing flows per system that shape the layout of a big model. */
export const BIG_LAYOUT_EDGES_PER_SYSTEM = 2;

/**
 * The flows ELK lays out by: all of them for ordinary models; for big ones a
 * skeleton, the first flows from each system to distinct others (layering a
 * 500-system model by all 5,000 flows took ELK minutes, by this skeleton a few
 * seconds). Every flow is still drawn; only the placement uses the skeleton.
 */
export function layoutEdges(input: LayoutInput, ids: Set<string>, big: boolean): LayoutInput["edges"] {
  const valid = input.edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
  if (!big) return valid;
  const targets = new Map<string, Set<string>>();
  return valid.filter((e) => {
    const seen = targets.get(e.source) ?? new Set<string>();
    targets.set(e.source, seen);
    if (seen.size >= BIG_LAYOUT_EDGES_PER_SYSTEM || seen.has(e.target)) return false;
    seen.add(e.target);
    return true;
  });
}
