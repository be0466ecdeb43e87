// Focus: what stays lit when a system or an entity is selected (the rest is
// dimmed). Pure, so the canvas, the windowed layer and the tests agree.
import { createContext } from "react";
import type { Model } from "../api";
import { lineageOf } from "./graph";

export type Focus = {
  /** Systems drawn at full strength. */
  systems: Set<string>;
  /** Flows drawn at full strength (an edge or bundle is lit when it carries one of them). */
  flows: Set<string>;
};

/** A system and its neighbours, and the flows between it and them. */
export function systemFocus(model: Model, systemId: string): Focus {
  const systems = new Set<string>([systemId]);
  const flows = new Set<string>();
  for (const f of model.flows) {
    if (f.from !== systemId && f.to !== systemId) continue;
    systems.add(f.from);
    systems.add(f.to);
    flows.add(f.id);
  }
  return { systems, flows };
}

/** An entity's lineage: its owner, its copy holders and the flows that carry it. */
export function entityFocus(model: Model, entityId: string): Focus {
  return lineageOf(model, entityId);
}

/** True when an edge standing for these flows is lit. */
export function edgeLit(focus: Focus | null, flowIds: string[]): boolean {
  return !focus || flowIds.some((id) => focus.flows.has(id));
}

export function systemLit(focus: Focus | null, systemId: string): boolean {
  return !focus || focus.systems.has(systemId);
}

export const DimContext = createContext<Focus | null>(null);
